"""Real keypoints from real footage: heatgait's own BlazePose walkers of vtest.avi.

Stage 1 runs offline (BlazePose detector and pose model) on 12 frames of vtest.avi; each
tracked walker's stored keypoints go back to source-image pixels through the crop geometry
stage 1 used. Shared by the reader tests (conftest's ``vtest_walkers``) and the README test,
which writes them in the keypoint releases' layouts (tests.extract.keypoints.releases).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from heatgait.cli.app import main
from heatgait.data.shardset import ShardSet
from heatgait.extract.pose.crop import heatmap_to_image
from tests.extract.conftest import write_clip
from tests.extract.keypoints.writers import Walker
from tests.footage import read_frames, require_vtest

FRAMES = list(range(100, 112))  # several walkers, 4 of them tracked for 7 to 12 frames


def blazepose_walkers(folder: Path, frames: list[np.ndarray] | None = None) -> list[Walker]:
    """[(subject, "01", "090", keypoints [T, 17, 3] in vtest.avi pixels, frame numbers)]."""
    frames = frames if frames is not None else read_frames(require_vtest(), FRAMES)
    clip = write_clip(folder / "in" / "vtest.avi", frames)
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
