"""Short real clips for the stage-1 tests: frames of vtest.avi written with cv2.VideoWriter."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.footage import read_frames, require_vtest


def write_clip(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> Path:
    """RGB frames -> an MJPG .avi at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


@pytest.fixture(scope="session")
def vtest_frames() -> list[np.ndarray]:
    """Frames 100..111 of vtest.avi (768x576, several walkers)."""
    return read_frames(require_vtest(), list(range(100, 112)))


@pytest.fixture(scope="session")
def walker_crops(vtest_frames) -> list[np.ndarray]:
    """A 192x128 window around one walker of vtest.avi, per frame: one-person footage."""
    return [np.ascontiguousarray(f[150:342, 470:598]) for f in vtest_frames]


@pytest.fixture(scope="session")
def clip_writer():
    """The clip-writing helper, for tests that make their own clips."""
    return write_clip
