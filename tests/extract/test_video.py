"""Background decoding: chunks in order, bounded, errors surfaced in the caller."""

import threading

import cv2
import numpy as np
import pytest

from heatgait.extract.job.video import VideoError, read_chunks


def test_chunks_cover_the_video_in_order(tmp_path, walker_crops, clip_writer):
    clip = clip_writer(tmp_path / "a.avi", walker_crops[:10])
    chunks = list(read_chunks(clip, chunk=4, queue_size=1))
    assert [idx.tolist() for idx, _ in chunks] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    first = chunks[0][1][0]
    assert first.shape == (192, 128, 3) and first.dtype == np.uint8
    # MJPG is lossy; the decoded frame is close to the written one, channels in RGB order
    assert np.abs(first.astype(int) - walker_crops[0].astype(int)).mean() < 8


def test_frame_folder_is_read_in_name_order(tmp_path, walker_crops):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in (2, 0, 1):
        cv2.imwrite(str(folder / f"{i:04d}.png"), cv2.cvtColor(walker_crops[i], cv2.COLOR_RGB2BGR))
    (_, frames), = list(read_chunks(folder, kind="frames", chunk=8))
    for i, frame in enumerate(frames):
        np.testing.assert_array_equal(frame, walker_crops[i])


def test_corrupt_video_raises_video_error(tmp_path):
    bad = tmp_path / "bad.avi"
    bad.write_bytes(np.random.default_rng(1).bytes(5000))
    with pytest.raises(VideoError, match="bad.avi"):
        list(read_chunks(bad))


def test_stopping_early_ends_the_reader_thread(tmp_path, walker_crops, clip_writer):
    clip = clip_writer(tmp_path / "a.avi", walker_crops * 3)
    chunks = read_chunks(clip, chunk=2, queue_size=1)
    next(chunks)
    chunks.close()
    assert not any(t.name == "decode-a.avi" for t in threading.enumerate())
