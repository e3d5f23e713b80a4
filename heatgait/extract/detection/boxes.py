"""Person boxes: IoU, greedy NMS and the one per-frame selection every detector ends with.

Boxes are numpy arrays [n, 5] (x1, y1, x2, y2, score) in frame pixels.

Where NMS runs: exactly once per frame, inside the detector, as the last step of
:func:`filter_people` (the BlazePose and mmdet detectors end with it; the full-frame one has
a single box a frame), and nowhere after. It
belongs to the detector because a detector only knows what it found after NMS: the BlazePose
detector sees each frame through overlapping tiles, so the same walker comes back from several
tiles and must be merged in frame coordinates before the boxes mean "one per person". So the
``PersonDetector`` contract is "final person boxes", and the stage-1 sequence code
(``extract.sequence``) takes them as they are. An mmdet model also applies its own class-wise NMS
from its config's ``test_cfg``, at the config's IoU and over all 80 classes. That step is part of
the network's own post-processing and stays as mmdet runs it.
"""

from __future__ import annotations

import numpy as np


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of boxes a [n, 4+] and b [m, 4+] (x1, y1, x2, y2, ...) -> [n, m]."""
    a = np.asarray(a, dtype=np.float64)[:, None, :4]
    b = np.asarray(b, dtype=np.float64)[None, :, :4]
    w = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    h = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = w * h
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return inter / np.maximum(area_a + area_b - inter, 1e-9)


def nms(boxes: np.ndarray, iou_thr: float) -> np.ndarray:
    """Indices of boxes [n, 5] kept by greedy NMS, best score first (ties: first listed).

    A box is dropped when its IoU with a better kept box is above ``iou_thr``.
    """
    boxes = np.asarray(boxes).reshape(-1, 5)
    order = np.argsort(-boxes[:, 4], kind="stable")
    keep: list[int] = []
    while order.size:
        best = int(order[0])
        keep.append(best)
        rest = order[1:]
        order = rest[box_iou(boxes[best:best + 1], boxes[rest])[0] <= iou_thr]
    return np.asarray(keep, dtype=np.int64)


def filter_people(boxes: np.ndarray, score_thr: float, nms_thr: float) -> np.ndarray:
    """Detector candidates [n, 5] -> the final person boxes [k, 5] float32, best first.

    Candidates scoring under ``score_thr`` go first, then NMS at ``nms_thr``, then boxes
    under one pixel wide or high (no crop can be cut from them). Degenerate boxes go after
    NMS, not before, because that is the order the boxes were always made in. A box of zero
    area overlaps nothing, so it never suppressed another box anyway.
    """
    boxes = np.asarray(boxes).reshape(-1, 5)
    boxes = boxes[boxes[:, 4] >= score_thr]
    boxes = (boxes[nms(boxes, nms_thr)] if len(boxes) else boxes).astype(np.float32)
    sized = (boxes[:, 2] - boxes[:, 0] >= 1.0) & (boxes[:, 3] - boxes[:, 1] >= 1.0)
    return boxes[sized]
