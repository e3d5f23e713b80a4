"""BlazePose person detector: SSD decoding on hand-made tensors, then real people in vtest.avi."""

from __future__ import annotations

import numpy as np

from heatgait.extract.detection import blazepose as bd
from heatgait.extract.detection.boxes import nms
from tests.footage import read_frames, require_vtest

# Mid-video frames of vtest.avi with 7 walkers each (counted by eye).
FRAMES = [200, 600, 700]


def test_anchor_layout_matches_mediapipe_pose_graph() -> None:
    a = bd.ssd_anchors()
    assert a.shape == (2254, 2)
    # 28x28 cells, 2 anchors each, row-major.
    np.testing.assert_allclose(a[0], [0.5 / 28, 0.5 / 28])
    np.testing.assert_allclose(a[1], a[0])
    np.testing.assert_allclose(a[2], [1.5 / 28, 0.5 / 28])
    np.testing.assert_allclose(a[2 * 28], [0.5 / 28, 1.5 / 28])
    # 14x14 cells start after 28*28*2 anchors.
    np.testing.assert_allclose(a[1568], [0.5 / 14, 0.5 / 14])
    # 7x7 cells carry 6 anchors each (three stride-32 layers).
    np.testing.assert_allclose(a[1960:1966], np.tile([[0.5 / 7, 0.5 / 7]], (6, 1)))
    np.testing.assert_allclose(a[1966], [1.5 / 7, 0.5 / 7])
    np.testing.assert_allclose(a[-1], [6.5 / 7, 6.5 / 7])


def test_decode_applies_anchor_offsets_scale_and_sigmoid() -> None:
    anchors = bd.ssd_anchors()
    raw = np.zeros((2254, 12), dtype=np.float32)
    raw[5, 4:8] = [22.4, -11.2, 0.0, 44.8]  # keypoint 0 and 1 offsets in input pixels
    logits = np.full(2254, -10.0, dtype=np.float32)
    logits[5] = 2.0
    scores, kps = bd.decode(raw, logits, anchors, score_thr=0.5)
    assert scores.shape == (1,) and kps.shape == (1, 4, 2)
    np.testing.assert_allclose(scores[0], 1 / (1 + np.exp(-2.0)), rtol=1e-6)
    np.testing.assert_allclose(kps[0, 0], anchors[5] + [0.1, -0.05], atol=1e-6)
    np.testing.assert_allclose(kps[0, 1], anchors[5] + [0.0, 0.2], atol=1e-6)
    np.testing.assert_allclose(kps[0, 2], anchors[5], atol=1e-6)


def test_body_box_spans_the_full_body_circle_vertically() -> None:
    kps = np.array([[[100, 200], [100, 120], [0, 0], [0, 0]]], dtype=np.float32)
    box = bd.body_boxes(kps)[0]
    w = 80 * bd.BODY_ASPECT
    np.testing.assert_allclose(box, [100 - w, 120, 100 + w, 280])


def test_nms_keeps_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60], [0, 0, 10, 4]], float)
    scores = np.array([0.6, 0.9, 0.5, 0.7])
    # IoU(0, 1) = 81/119 > 0.3; box 3 overlaps box 1 by 27/109 < 0.3.
    assert nms(np.column_stack([boxes, scores]), 0.3).tolist() == [1, 3, 2]


def test_tiles_cover_the_frame_with_overlap() -> None:
    assert bd.tile_origins(768, 192, 0.5) == [0, 96, 192, 288, 384, 480, 576]
    assert bd.tile_origins(100, 192, 0.5) == [0]
    wins = bd.frame_windows(576, 768, bd.Tiling(size=192, overlap=0.5, whole_frame=True))
    assert len(wins) == 7 * 5 + 1
    assert wins[-1] == (0, 0, 768)
    assert max(x + s for x, _, s in wins[:-1]) == 768 and max(y + s for _, y, s in wins[:-1]) == 576


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def test_finds_the_walkers_of_vtest() -> None:
    frames = read_frames(require_vtest(), FRAMES)
    detector = bd.BlazePersonDetector()
    results = detector(frames)
    assert len(results) == len(FRAMES)
    for boxes in results:
        assert boxes.dtype == np.float32 and boxes.shape[1] == 5
        assert np.all(boxes[:, 4] >= 0.5) and np.all(np.diff(boxes[:, 4]) <= 0)
        confident = boxes[boxes[:, 4] > 0.75]
        # Seen: 6 walkers above 0.75 on each of these frames (of 7), no false alarm above 0.75.
        assert len(confident) >= 5
        heights = confident[:, 3] - confident[:, 1]
        widths = confident[:, 2] - confident[:, 0]
        # Walkers here are about 70-160 px tall, standing upright.
        assert np.all((heights > 50) & (heights < 220)) and np.all(heights > 1.5 * widths)
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                assert _iou(boxes[i], boxes[j]) <= detector.nms_thr + 1e-6
    # The man walking down the right side of frame 200 (seen at x 605-660, y 260-372).
    right = results[0][results[0][:, 4] > 0.9]
    assert max(_iou(b, np.array([605, 260, 660, 372])) for b in right) > 0.6


def test_blank_frame_has_no_people() -> None:
    detector = bd.BlazePersonDetector(tiles=bd.Tiling(size=288, overlap=0.0, whole_frame=False))
    boxes = detector([np.zeros((288, 576, 3), dtype=np.uint8)])[0]
    assert boxes.shape == (0, 5)
