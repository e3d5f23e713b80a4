"""Track scoring on hand-computed cases: switches, jumps, fragmentations, MOTA."""

import numpy as np
import pytest

from tests.extract.track_eval import score_tracks


def _rows(track_id: int, frames, x0: float, step: float = 10.0, w: float = 40, h: float = 100):
    return [[f, track_id, x0 + step * f, 0, x0 + step * f + w, h] for f in frames]


def test_perfect_tracks_under_other_ids_score_perfectly():
    gt = _rows(0, range(10), 0) + _rows(1, range(10), 300, -10)
    pred = _rows(7, range(10), 0) + _rows(3, range(10), 300, -10)
    s = score_tracks(gt, pred)
    assert (s.id_switches, s.jumps, s.fragmentations, s.misses, s.false_positives) == (0,) * 5
    assert s.mota == 1.0 and s.recall == 1.0 and s.gt_ids == 2 and s.pred_ids == 2


def test_two_tracks_trading_people_are_two_switches_and_two_jumps():
    gt = _rows(0, range(10), 0) + _rows(1, range(10), 500)
    pred = (_rows(0, range(5), 0) + _rows(1, range(5, 10), 0)
            + _rows(1, range(5), 500) + _rows(0, range(5, 10), 500))
    s = score_tracks(gt, pred)
    assert (s.id_switches, s.jumps, s.fragmentations) == (2, 2, 0)
    assert s.mota == pytest.approx(1 - 2 / 20)


def test_a_new_id_for_the_same_person_is_a_switch_but_no_jump():
    gt = _rows(0, range(10), 0)
    pred = _rows(4, range(6), 0) + _rows(5, range(6, 10), 0)
    s = score_tracks(gt, pred)
    assert (s.id_switches, s.jumps, s.pred_ids) == (1, 0, 2)


def test_a_track_taking_over_a_person_who_appears_is_a_jump_not_a_switch():
    # walker 0 leaves after frame 4, walker 1 appears at frame 5: the track goes on with him.
    # MOT's IDSW misses this (walker 1 had no earlier id); for gait it splices two people.
    gt = _rows(0, range(5), 0) + _rows(1, range(5, 10), 0)
    pred = _rows(9, range(10), 0)
    s = score_tracks(gt, pred)
    assert (s.id_switches, s.jumps) == (0, 1)


def test_frames_missed_in_the_middle_are_one_fragmentation():
    gt = _rows(0, range(10), 0)
    pred = _rows(0, [0, 1, 2, 5, 6, 7, 8, 9], 0)
    s = score_tracks(gt, pred)
    assert (s.fragmentations, s.misses, s.id_switches) == (1, 2, 0)
    # frames where the walker is not annotated do not interrupt him
    s = score_tracks(_rows(0, [0, 1, 2, 5, 6], 0), _rows(0, [0, 1, 2, 5, 6], 0))
    assert s.fragmentations == 0


def test_last_frames_pair_is_kept_while_it_still_overlaps():
    gt = [[0, 0, 0, 0, 40, 100], [1, 0, 0, 0, 40, 100]]
    pred = [[0, 5, 0, 0, 40, 100],
            [1, 5, 0, 25, 40, 125],  # IoU 0.6: still the same person
            [1, 6, 0, 1, 40, 101]]  # IoU 0.98 but a newcomer
    s = score_tracks(gt, pred)
    assert (s.id_switches, s.matches, s.false_positives) == (0, 2, 1)
    s = score_tracks(gt, pred, count_false_positives=False)
    assert s.false_positives == 0 and s.mota == 1.0


def test_boxes_below_the_iou_threshold_do_not_match_and_extra_frames_are_ignored():
    gt = [[0, 0, 0, 0, 40, 100]]
    pred = [[0, 1, 30, 0, 70, 100], [3, 1, 0, 0, 40, 100]]  # IoU 0.14; frame 3 has no GT
    s = score_tracks(gt, pred)
    assert (s.matches, s.misses, s.false_positives, s.frames) == (0, 1, 1, 1)


def test_counts_agree_with_the_trackers_package_clear_metrics():
    """Cross-check on random tracks against roboflow trackers' CLEAR implementation (a port of
    TrackEval): matches, misses, false positives, IDSW and MOTA must be equal."""
    trackers_eval = pytest.importorskip("trackers.eval")
    from heatgait.extract.detection.boxes import box_iou
    from tests.extract.track_eval import as_rows
    from tests.extract.track_scenes import preset_scene

    rng = np.random.default_rng(3)
    for seed in range(4):
        scene = preset_scene("group", seed)
        gt = scene.gt
        # a noisy "prediction": GT boxes jittered, some dropped, ids shuffled mid-way
        pred = gt.copy()
        pred[:, 2:] += rng.normal(0, 6, (len(pred), 4))
        pred = pred[rng.random(len(pred)) > 0.1]
        flip = (pred[:, 0] > 30) & (pred[:, 1] < 2)
        pred[flip, 1] = 1 - pred[flip, 1]
        pred = as_rows(pred)
        ours = score_tracks(gt, pred)
        frames = np.unique(gt[:, 0])
        g_ids = [gt[gt[:, 0] == f, 1].astype(int) for f in frames]
        p_ids = [pred[pred[:, 0] == f, 1].astype(int) for f in frames]
        sims = [box_iou(gt[gt[:, 0] == f, 2:], pred[pred[:, 0] == f, 2:]) for f in frames]
        ref = trackers_eval.compute_clear_metrics(g_ids, p_ids, sims, threshold=0.5)
        assert (ours.matches, ours.misses, ours.false_positives, ours.id_switches) == \
            (ref["CLR_TP"], ref["CLR_FN"], ref["CLR_FP"], ref["IDSW"])
        assert ours.mota == pytest.approx(ref["MOTA"])
