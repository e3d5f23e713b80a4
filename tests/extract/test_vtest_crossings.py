"""No identity switch where walkers of vtest.avi cross, against hand-annotated boxes.

The real BlazePose person detector runs on every frame of three short windows (85 frames in
all, about a minute on two CPU cores); the tracker the extraction uses follows its boxes, and
its tracks are scored against the boxes in ``data/vtest_crossings.json`` (how they were made
is in its ``note``). Nothing is cached: the windows are kept short instead.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from heatgait.extract.detection.blazepose import BlazePersonDetector
from heatgait.extract.tracking.tracker import Tracker
from tests.extract.track_eval import run_tracker, score_tracks
from tests.footage import read_frames, require_vtest

DATA = Path(__file__).parent / "data" / "vtest_crossings.json"
WINDOWS = {w["name"]: w for w in json.loads(DATA.read_text())["windows"]}
# as the extraction drops tracks shorter than min_track_frames, one- and two-frame tracks
# (second detections of a person, see Tracker._duplicates) are not scored
MIN_FRAMES = 3


def window_gt(window: dict) -> np.ndarray:
    """Rows (frame, id, x1, y1, x2, y2) of a window's annotation."""
    return np.array([[int(f), *row] for f, rows in window["boxes"].items() for row in rows],
                    dtype=np.float64)


@pytest.fixture(scope="module")
def detections() -> dict[str, tuple[list[int], list[np.ndarray]]]:
    """Per window: its frame numbers and the detector's boxes [n, 5] on each."""
    detector = BlazePersonDetector()  # the extraction's default: score >= 0.5, NMS 0.3
    out = {}
    for name, window in WINDOWS.items():
        frames = list(range(window["first_frame"], window["last_frame"] + 1))
        out[name] = (frames, detector(read_frames(require_vtest(), frames)))
    return out


def test_annotation_is_complete_and_consistent():
    for window in WINDOWS.values():
        gt = window_gt(window)
        frames = sorted({int(f) for f in window["boxes"]})
        assert frames == list(range(window["first_frame"], window["last_frame"] + 1, 2))
        assert set(gt[:, 1].astype(int)) == {int(k) for k in window["walkers"]}
        assert (gt[:, 4] > gt[:, 2]).all() and (gt[:, 5] > gt[:, 3]).all()
        assert (gt[:, 2:] >= 0).all() and (gt[:, [2, 4]] <= 768).all() and \
            (gt[:, [3, 5]] <= 576).all()
        heights = gt[:, 5] - gt[:, 3]
        assert heights.min() > 60 and heights.max() < 240  # people, not parts of them


# Known failure, kept visible: at frame 102 the detector gives one box over the standing man
# and the man in black passing in front of him (the standing man had not been detected
# before); it matches the standing man at IoU 0.50 and the passer-by at 0.42, and goes to
# the passer-by's track. Motion and box geometry cannot tell them apart there (ByteTrack
# 2.6.1 switches there too), appearance could.
KNOWN = {"lamp-post": "one box over two people at frame 102 goes to the wrong track"}


@pytest.mark.slow
@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN[n])) if n in KNOWN else n
    for n in WINDOWS])
def test_kept_tracker_makes_no_identity_switch(name, detections):
    frames, per_frame = detections[name]
    gt = window_gt(WINDOWS[name])
    pred = run_tracker(Tracker(), per_frame, frames, min_frames=MIN_FRAMES)
    score = score_tracks(gt, pred, count_false_positives=False)  # others walk unannotated
    assert score.id_switches == 0, score
    assert score.jumps == 0, score
    # the tracks do cover the walkers (an empty or ever-changing output would score 0 above)
    assert score.recall >= 0.55, score
    assert score.pred_ids >= score.gt_ids
