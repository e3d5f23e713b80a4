"""The paced reader: a file at its own frame rate, frames skipped and counted (never queued)
when the processing is slower than the source."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from heatgait.errors import UsageError
from heatgait.stream.source import PacedReader
from tests.footage import require_vtest


def write_clip(path: Path, frames: int, fps: float) -> Path:
    """A real MJPG file whose frame i shows the number i (as a grey level)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    for i in range(frames):
        writer.write(np.full((48, 64, 3), 4 * i, np.uint8))
    writer.release()
    return path


def test_slow_processing_skips_and_counts_frames(tmp_path):
    clip = write_clip(tmp_path / "clip.avi", 30, 30.0)  # 1 s of video
    taken, lags = [], []
    start = time.monotonic()
    with PacedReader(str(clip)) as reader:
        assert reader.fps == pytest.approx(30.0)
        for frame in reader:
            taken.append(frame.index)
            lags.append(time.monotonic() - frame.released)
            assert abs(int(frame.image[0, 0, 0]) - 4 * frame.index) <= 3  # the frame it says
            time.sleep(0.1)  # processing at 10 frames/s, a third of the source's rate
    elapsed = time.monotonic() - start
    # every frame was read and is either processed or counted as skipped
    assert reader.read == 30 and reader.taken == len(taken)
    assert reader.taken + reader.skipped == reader.read
    assert reader.skipped >= 10 and len(taken) <= 20
    # no queue: the run lasts about the video, not 30 x 0.1 s, and each frame taken was the
    # newest one (taken within a processing step of its release), in source order
    assert elapsed < 2.5  # queued, it would take 3 s
    assert max(lags) < 0.1 + 0.5
    assert taken == sorted(taken) and np.diff(taken).max() >= 2


def test_unpaced_reader_hands_over_every_frame(tmp_path):
    clip = write_clip(tmp_path / "clip.avi", 12, 30.0)
    with PacedReader(str(clip), pace=False) as reader:
        indices = [frame.index for frame in reader if time.sleep(0.01) is None]
    assert indices == list(range(12)) and reader.skipped == 0


def test_file_is_released_at_its_frame_rate():
    start = time.monotonic()
    with PacedReader(str(require_vtest()), max_frames=8) as reader:  # vtest.avi: 10 frames/s
        frames = list(reader)
    assert reader.fps == pytest.approx(10.0)
    assert reader.read == 8 and len(frames) + reader.skipped == 8
    assert time.monotonic() - start >= 0.65  # 8 frames at 10 frames/s: 0.7 s


def test_bad_sources_are_one_line_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="no such video file"):
        PacedReader(str(tmp_path / "missing.mp4"))
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    with pytest.raises(UsageError, match="cannot open"):
        PacedReader(str(broken))
