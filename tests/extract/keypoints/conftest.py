"""Real keypoints for the reader tests: heatgait's own BlazePose walkers of vtest.avi.

Stage 1 runs offline (BlazePose detector and pose model) on 12 frames of vtest.avi; each
tracked walker's stored keypoints go back to source-image pixels through the crop geometry
stage 1 used. Those are the keypoints every format is written with (tests.extract.keypoints
.writers) and must be read back as.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from heatgait.cli.app import main
from heatgait.data.shardset import ShardSet
from heatgait.extract.pose.crop import heatmap_to_image
from tests.extract.keypoints.writers import Walker


@pytest.fixture(scope="session")
def vtest_walkers(tmp_path_factory: pytest.TempPathFactory, vtest_frames, clip_writer
                  ) -> list[Walker]:
    """[(subject, "01", "090", keypoints [T, 17, 3] in vtest.avi pixels, frame numbers)]."""
    folder = tmp_path_factory.mktemp("vtest-blazepose")
    clip = clip_writer(folder / "in" / "vtest.avi", vtest_frames)
    out = folder / "shards"
    assert main(["extract", str(clip), "--out", str(out), "--pose", "blazepose", "--det",
                 "blazepose", "--set", "extract.min_track_frames=4", "--set",
                 "extract.batch_size=12", "-q"]) == 0
    shards = ShardSet(out)
    walkers: list[Walker] = []
    for i in range(len(shards)):
        kp = shards.read_keypoints(i)  # [T, 17, 3] heatmap pixels of each frame's crop
        boxes = shards.read_side(i, "boxes")
        xy = np.stack([heatmap_to_image(k[:, :2], b) for k, b in zip(kp, boxes)])
        image = np.concatenate([xy, kp[..., 2:]], -1).astype(np.float32)
        walkers.append((f"{i + 1:05d}", "01", "090", image,
                        shards.read_side(i, "frame_indices").astype(np.int64)))
    assert len(walkers) >= 3
    return walkers


@pytest.fixture
def walker_dir(tmp_path: Path) -> Path:
    return tmp_path / "kp"
