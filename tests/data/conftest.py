"""Shared helpers for the data tests: small but shape-true records and shard folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from heatgait.data.records import SequenceRecord
from heatgait.data.shards import write_shards


def make_record(subject: str, type_: str = "nm-01", view: str = "090", frames: int = 6,
                seed: int = 0, track: int | None = None) -> SequenceRecord:
    """A record with blob-like heatmaps whose content depends on the seed."""
    rng = np.random.default_rng(seed)
    heatmaps = rng.random((frames, 17, 64, 48), dtype=np.float32) ** 8  # [T, 17, 64, 48]
    return SequenceRecord(
        subject=subject, type=type_, view=view, heatmaps=heatmaps,
        keypoints=rng.random((frames, 17, 3), dtype=np.float32),
        boxes=rng.random((frames, 4), dtype=np.float32) * 100,
        frame_indices=np.arange(frames) * 2, frame_scores=rng.random(frames, dtype=np.float32),
        dataset="synthetic", source=f"videos/{subject}.avi", track=track,
        meta={"pose_model": "hrnet-w32", "thresholds": {"det": 0.3, "frame": 0.4}})


@pytest.fixture(name="make_record")
def make_record_fixture():
    """The ``make_record`` factory, for tests."""
    return make_record


@pytest.fixture
def shard_folder(tmp_path: Path) -> Path:
    """A folder of 2 shards: 4 subjects x 2 types, 5..12 frames each."""
    records = [make_record(f"{s:03d}", f"nm-0{t}", "090", frames=5 + s + 2 * t, seed=10 * s + t)
               for s in range(1, 5) for t in (1, 2)]
    folder = tmp_path / "shards"
    write_shards(records, folder, sequences_per_shard=5, progress=False)
    return folder
