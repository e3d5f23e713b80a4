"""The tracker keeps identities through a crossing and NMS keeps the best boxes."""

import numpy as np

from heatgait.extract.detection.boxes import box_iou, filter_people, nms
from heatgait.extract.tracking.tracker import Tracker, track_people


def _walker(x0: float, y0: float, step: float, frames: int, w: float = 40, h: float = 100):
    return [np.array([x0 + step * t, y0, x0 + step * t + w, y0 + h, 0.9]) for t in range(frames)]


def test_crossing_walkers_keep_their_identity():
    a = _walker(0, 0, 10, 31)  # left to right
    b = _walker(300, 8, -10, 31, h=110)  # right to left, crosses a at frame 15
    rng = np.random.default_rng(0)
    per_frame = []
    for t in range(31):
        pair = [a[t], b[t]]
        if rng.random() < 0.5:
            pair.reverse()  # detection order carries no identity
        per_frame.append(np.stack(pair))
    tracks = track_people(per_frame, list(range(31)))
    assert len(tracks) == 2
    by_start = {round(float(t.boxes[0][0])): t for t in tracks}
    np.testing.assert_allclose(np.stack(by_start[0].boxes), np.stack(a))
    np.testing.assert_allclose(np.stack(by_start[300].boxes), np.stack(b))
    assert all(t.frames == list(range(31)) for t in tracks)


def test_gap_longer_than_max_gap_starts_a_new_track_and_short_tracks_are_dropped():
    tracker = Tracker(max_gap=2)
    box = np.array([[10, 10, 50, 110, 0.9]])
    for frame in (0, 1, 2, 9, 10):
        tracker.update(frame, box)
    assert [len(t.frames) for t in tracker.tracks()] == [3, 2]
    assert [len(t.frames) for t in tracker.tracks(min_frames=3)] == [3]


def test_update_returns_the_track_of_each_box():
    tracker = Tracker()
    first = tracker.update(0, np.array([[0, 0, 10, 20, 1.0], [100, 0, 110, 20, 1.0]]))
    second = tracker.update(1, np.array([[101, 0, 111, 20, 1.0], [1, 0, 11, 20, 1.0]]))
    assert first == [0, 1] and second == [1, 0]


def test_iou_and_nms():
    boxes = np.array([[0, 0, 10, 10, 0.5], [0, 0, 10, 10, 0.9], [5, 0, 15, 10, 0.8],
                      [50, 50, 60, 60, 0.1]], dtype=float)
    np.testing.assert_allclose(box_iou(boxes[:1], boxes[2:3]), [[50 / 150]])
    assert nms(boxes, 0.34).tolist() == [1, 2, 3]
    assert nms(boxes, 0.5).tolist() == [1, 2, 3]
    assert nms(boxes, 0.3).tolist() == [1, 3]


def test_filter_people_drops_weak_and_degenerate_boxes():
    boxes = np.array([[0, 0, 10, 20, 0.9], [1, 1, 11, 21, 0.8], [5, 5, 5, 30, 0.95],
                      [50, 0, 60, 20, 0.2]], dtype=np.float32)
    np.testing.assert_array_equal(filter_people(boxes, 0.3, 0.5), boxes[:1])


def test_prune_keeps_memory_bounded_and_the_ids_the_same():
    """Two walkers crossing over 120 frames, one leaving at frame 80: pruned every frame (as a
    live stream does), the tracker gives every box the id it gives unpruned."""
    a = _walker(0, 0, 3, 120)
    b = _walker(330, 8, -3, 80, h=110)
    plain, pruned = Tracker(), Tracker()
    ended = []
    for t in range(120):
        boxes = np.stack([a[t], b[t]] if t < 80 else [a[t]])
        assert plain.update(t, boxes) == pruned.update(t, boxes)
        ended += pruned.prune(keep=16)
        assert all(len(track.frames) <= 16 for track in pruned.active)
    assert [track.id for track in ended] == [1] and not pruned.finished
    assert len(plain.finished) == 1 and len(plain.active[0].frames) == 120
