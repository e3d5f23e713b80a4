"""Synthetic crossings: the scenes are what they claim, and the tracker keeps identities."""

import numpy as np
import pytest

from heatgait.extract.detection.boxes import box_iou
from heatgait.extract.tracking.tracker import Tracker
from tests.extract.track_eval import run_tracker, score_tracks
from tests.extract.track_scenes import (
    SCENES,
    preset_scene,
)

SEEDS = range(5)


def _score(scene, tracker=None):
    pred = run_tracker(tracker or Tracker(), scene.detections, scene.frame_indices, min_frames=3)
    return score_tracks(scene.gt, pred)


def test_scenes_are_drawn_from_the_seed():
    a, b, c = preset_scene("group", 3), preset_scene("group", 3), preset_scene("group", 4)
    np.testing.assert_array_equal(a.gt, b.gt)
    assert all(np.array_equal(x, y) for x, y in zip(a.detections, b.detections))
    assert not np.array_equal(a.gt[:, 2:], c.gt[:, 2:])


def test_scenes_have_the_faults_trackers_trip_on():
    merged = missed = 0
    for name in SCENES:
        for seed in SEEDS:
            scene = preset_scene(name, seed)
            for frame, dets in enumerate(scene.detections):
                gt = scene.gt[scene.gt[:, 0] == frame]
                if len(gt) > len(dets):
                    missed += 1
                if len(gt) >= 2 and len(dets):
                    union = np.concatenate([gt[:, 2:4].min(0), gt[:, 4:6].max(0)])[None]
                    merged += int((box_iou(union, dets[:, :4])[0] > 0.8).any())
    assert missed > 100 and merged > 10
    # in "hidden" the far walker leaves the ground truth for a stretch mid-scene
    scene = preset_scene("hidden", 0)
    far = scene.gt[scene.gt[:, 1] == 0, 0]
    assert np.diff(far).max() >= 8
    # different speeds and sizes
    walkers = SCENES["cross-speed-size"].walkers
    assert walkers[0].vx / -walkers[1].vx > 2 and walkers[1].height / walkers[0].height > 1.5


def test_a_second_detection_of_a_person_starts_no_lasting_track():
    tracker = Tracker()
    for frame in range(20):
        x = 100 + 5 * frame
        full = [x, 100, x + 40, 200, 0.9]
        upper = [x + 2, 102, x + 38, 150, 0.6]  # a tile saw only the upper body
        ids = tracker.update(frame, np.array([upper, full] if frame % 2 else [full, upper]))
        assert ids[1 if frame % 2 else 0] == 0
    assert [len(t.frames) for t in tracker.tracks(min_frames=3)] == [20]


def test_a_walker_hidden_behind_another_waits_longer_than_one_lost_in_the_open():
    def run(occluder: bool) -> int:
        tracker = Tracker(max_gap=5, max_hidden_gap=20)
        for frame in range(40):
            x = 100 + 5 * frame
            boxes = [] if 10 <= frame < 25 else [[x, 100, x + 40, 200, 0.9]]
            if occluder:  # a nearer person standing where the walker passes
                boxes.append([150, 90, 210, 230, 0.9])
            tracker.update(frame, np.array(boxes).reshape(-1, 5))
        return len([t for t in tracker.tracks(min_frames=3) if t.boxes[0][0] != 150])

    assert run(occluder=True) == 1
    assert run(occluder=False) == 2


@pytest.mark.parametrize("name", ["cross-speed-size", "occlusion", "group"])
def test_no_switch_in_crossings_and_short_occlusions(name):
    """Where walkers cross, the detector often sees only the nearer one: "group" switches
    (2-4 times in 3 of these 5 seeds) when that box goes to whichever track fits it best
    rather than to the nearer person's (Tracker._assign); "occlusion" switches in every seed
    when a track lost behind someone waits only max_gap frames."""
    for seed in SEEDS:
        score = _score(preset_scene(name, seed))
        assert (score.id_switches, score.jumps) == (0, 0), (name, seed, score)
        assert score.recall > 0.8


def test_long_overlaps_and_long_occlusions_rarely_switch_and_never_swap_in_hiding():
    """Bounds, not zeros: in "cross" and "overtake" the detector merges the two people into
    one box for several frames; in "hidden" the far walker is out of sight for up to 25
    frames, longer than ``max_hidden_gap``, and comes back under a new id (a switch, but no
    jump: nobody else takes his track). Measured when written: 7 switches, 4 jumps in these
    25 scenes (ByteTrack 2.6.1: see benchmarks/README.md)."""
    switches = jumps = 0
    for name in ("cross", "overtake", "hidden"):
        for seed in SEEDS:
            score = _score(preset_scene(name, seed))
            switches += score.id_switches
            jumps += score.jumps
            if name == "hidden":
                assert score.jumps == 0, (seed, score)
    assert switches <= 10 and jumps <= 6
