"""Detection a chunk ahead (overlap.DetectAhead) on real vtest.avi clips with BlazePose."""

import threading

import numpy as np
import pytest

from heatgait.config import ExtractConfig
from heatgait.extract.detection.detectors import build_detector
from heatgait.extract.detection.overlap import DetectAhead, detect_inline
from heatgait.extract.job.inputs import SequenceSource
from heatgait.extract.job.sequence import extract_sequence
from heatgait.extract.job.video import VideoError, read_chunks
from heatgait.extract.pose.backends import build_pose


def _live_workers() -> list[str]:
    return [t.name for t in threading.enumerate()
            if t.name == "detect-ahead" or t.name.startswith("decode-")]


@pytest.fixture(scope="module")
def blaze():
    return build_detector("blazepose"), build_pose("blazepose")


@pytest.fixture
def clip(tmp_path, vtest_frames, clip_writer):
    return clip_writer(tmp_path / "vtest.avi", vtest_frames)  # 12 frames, several walkers


@pytest.mark.slow
@pytest.mark.parametrize("max_frames", [0, 6])
def test_overlap_gives_the_records_of_the_sequential_path(clip, blaze, max_frames):
    detector, pose = blaze
    source = SequenceSource("vtest", "seq", "000", clip, "video")
    cfg = ExtractConfig(min_track_frames=2, batch_size=4, max_frames=max_frames)
    runs = [extract_sequence(source, detector, pose, cfg, multi_person=True, overlap=overlap)
            for overlap in (False, True)]
    assert _live_workers() == []
    sequential, overlapped = runs
    assert sequential.frames_total == overlapped.frames_total == (max_frames or 12)
    assert len(sequential.records) >= 2
    assert len(overlapped.records) == len(sequential.records)
    for a, b in zip(sequential.records, overlapped.records):
        assert a.key == b.key
        for name in ("heatmaps", "keypoints", "boxes", "frame_indices", "frame_scores"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_chunks_come_out_in_order_with_their_detections(clip, blaze):
    detector, _ = blaze
    with DetectAhead(read_chunks(clip, chunk=5), detector, depth=1) as stream:
        got = list(stream)
    assert [list(indices) for indices, _, _ in got] == [list(range(5)), list(range(5, 10)),
                                                        [10, 11]]
    for _, frames, detections in got:
        expected = detector(frames)
        assert len(detections) == len(frames)
        for d, e in zip(detections, expected):
            np.testing.assert_array_equal(d, e)
    assert _live_workers() == []


def test_early_close_leaves_no_thread_running(clip, blaze):
    detector, _ = blaze
    stream = DetectAhead(read_chunks(clip, chunk=2, queue_size=1), detector, depth=1)
    indices, _, _ = next(stream)
    assert list(indices) == [0, 1]
    stream.close()
    assert _live_workers() == []
    with pytest.raises(StopIteration):
        next(stream)


def test_decoding_error_reaches_the_caller_unchanged(tmp_path, blaze):
    detector, pose = blaze
    broken = tmp_path / "broken.avi"
    broken.write_bytes(b"not a video" * 100)
    source = SequenceSource("x", "y", "z", broken, "video")
    messages = []
    for overlap in (False, True):
        with pytest.raises(VideoError) as info:
            extract_sequence(source, detector, pose, ExtractConfig(), overlap=overlap)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "cannot open video" in messages[0]
    assert _live_workers() == []


def test_detector_error_reaches_the_caller_unchanged(vtest_frames, blaze):
    detector, _ = blaze
    bad = [(np.arange(1), [vtest_frames[0][..., 0]])]  # a grey [H, W] frame: no RGB channels
    errors = []
    for stream in (detect_inline(iter(bad), detector), DetectAhead(iter(bad), detector)):
        with pytest.raises(Exception) as info:
            list(stream)
        errors.append(info.value)
    assert type(errors[0]) is type(errors[1]) and str(errors[0]) == str(errors[1])
    assert _live_workers() == []
