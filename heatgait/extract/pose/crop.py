"""Crop geometry of stage 1: person box -> padded, aspect-fixed region -> 256x192 RGB crop.

The paper's "pretreatment in RGB space" (docs/design.md, section 2) crops the person out of the
frame *before* pose estimation, exactly as mmpose's ``GetBBoxCenterScale(padding=1.25)`` +
``TopdownAffine`` do: the box is padded, its aspect ratio is widened (never shrunk) to the pose
input's 192/256, and that region is warped to the input size with zeros outside the image.
Pure functions on numpy arrays, so the mapping can be checked against hand-computed cases and
reused to draw heatmaps back onto the frame (``heatgait show``).
"""

from __future__ import annotations

import warnings

import cv2
import numpy as np

INPUT_H = 256
INPUT_W = 192
HEATMAP_STRIDE = 4  # 256x192 input -> 64x48 heatmap


def box_to_center_scale(box: np.ndarray, padding: float = 1.25) -> tuple[np.ndarray, np.ndarray]:
    """[..., 4] x1, y1, x2, y2 -> centre [..., 2] and padded size (w, h) [..., 2]."""
    box = np.asarray(box, dtype=np.float64)
    x1, y1, x2, y2 = box[..., 0], box[..., 1], box[..., 2], box[..., 3]
    center = np.stack([(x1 + x2) * 0.5, (y1 + y2) * 0.5], axis=-1)
    scale = np.stack([x2 - x1, y2 - y1], axis=-1) * padding
    return center, scale


def fix_aspect_ratio(scale: np.ndarray, aspect_ratio: float = INPUT_W / INPUT_H) -> np.ndarray:
    """Grow the short side of (w, h) [..., 2] so that w / h == aspect_ratio (mmpose's rule)."""
    scale = np.asarray(scale, dtype=np.float64)
    w, h = scale[..., 0], scale[..., 1]
    wide = w > h * aspect_ratio
    out_w = np.where(wide, w, h * aspect_ratio)
    out_h = np.where(wide, w / aspect_ratio, h)
    return np.stack([out_w, out_h], axis=-1)


def crop_region(box: np.ndarray, padding: float = 1.25,
                input_size: tuple[int, int] = (INPUT_H, INPUT_W)) -> tuple[np.ndarray, np.ndarray]:
    """Box [..., 4] -> the (centre, size) of the source region warped to ``input_size`` (h, w)."""
    center, scale = box_to_center_scale(box, padding)
    return center, fix_aspect_ratio(scale, input_size[1] / input_size[0])


def warp_matrix(center: np.ndarray, scale: np.ndarray,
                input_size: tuple[int, int] = (INPUT_H, INPUT_W)) -> np.ndarray:
    """2x3 affine mapping source pixels to crop pixels: the region's centre to the crop centre.

    Without rotation mmpose's three-point construction reduces to this similarity transform.
    """
    out_h, out_w = input_size
    s = out_w / float(scale[0])
    return np.array([[s, 0.0, out_w * 0.5 - s * float(center[0])],
                     [0.0, s, out_h * 0.5 - s * float(center[1])]], dtype=np.float64)


def crop_person(frame: np.ndarray, box: np.ndarray, padding: float = 1.25,
                input_size: tuple[int, int] = (INPUT_H, INPUT_W)) -> np.ndarray:
    """RGB frame [H, W, 3] + box -> crop [h', w', 3] (zeros where the region leaves the frame)."""
    center, scale = crop_region(box, padding, input_size)
    matrix = warp_matrix(center, scale, input_size)
    return cv2.warpAffine(frame, matrix, (input_size[1], input_size[0]), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))


def crop_people(frames: list[np.ndarray], boxes: np.ndarray, padding: float = 1.25,
                input_size: tuple[int, int] = (INPUT_H, INPUT_W)) -> np.ndarray:
    """One crop per (frame, box) pair -> [B, h', w', 3] uint8."""
    out = np.zeros((len(frames), input_size[0], input_size[1], 3), dtype=np.uint8)
    for i, (frame, box) in enumerate(zip(frames, boxes)):
        out[i] = crop_person(frame, box, padding, input_size)
    return out


def heatmap_to_image(points: np.ndarray, box: np.ndarray, padding: float = 1.25,
                     input_size: tuple[int, int] = (INPUT_H, INPUT_W),
                     heatmap_size: tuple[int, int] = (64, 48)) -> np.ndarray:
    """Heatmap pixel coordinates [..., 2] of one box's crop -> source image coordinates."""
    center, scale = crop_region(box, padding, input_size)
    per_px = scale / np.array([heatmap_size[1], heatmap_size[0]], dtype=np.float64)
    return np.asarray(points, dtype=np.float64) * per_px + center - scale * 0.5


def keypoint_boxes(keypoints: np.ndarray) -> np.ndarray:
    """[T, V, 3] image keypoints -> [T, 4] x1, y1, x2, y2 around the joints scoring above 0.

    A data set of keypoints gives no detector box: the tightest box of the detected joints is
    what a detector would roughly have drawn. A frame without such a joint gets NaN.
    """
    kp = np.asarray(keypoints, dtype=np.float64)
    seen = (kp[..., 2] > 0) & np.isfinite(kp).all(axis=-1)  # [T, V]
    x = np.where(seen, kp[..., 0], np.nan)
    y = np.where(seen, kp[..., 1], np.nan)
    with warnings.catch_warnings():  # all-NaN rows (nobody seen) give NaN, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.stack([np.nanmin(x, 1), np.nanmin(y, 1), np.nanmax(x, 1), np.nanmax(y, 1)], -1)


def image_to_heatmap_udp(points: np.ndarray, box: np.ndarray, padding: float = 1.25,
                         input_size: tuple[int, int] = (INPUT_H, INPUT_W),
                         heatmap_size: tuple[int, int] = (64, 48),
                         min_size: float = 1.0) -> np.ndarray:
    """Image points [T, V, 2] of boxes [T, 4] -> heatmap pixels, by mmpose's UDP geometry.

    mmpose's ``get_udp_warp_matrix`` maps x to (in_w - 1) / s_w * (x - c_x + s_w / 2) in the
    input crop and the UDP codec divides by (in_w - 1) / (hm_w - 1), so a point lands at
    (hm_w - 1) / s_w * (x - c_x + s_w / 2) (and likewise in y): the region's edges at the
    first and last heatmap pixel centres. ``min_size`` keeps a one-joint box from being empty.
    """
    center, scale = crop_region(box, padding, input_size)  # [T, 2] each
    scale = np.maximum(scale, min_size)
    span = np.array([heatmap_size[1] - 1, heatmap_size[0] - 1], dtype=np.float64)
    points = np.asarray(points, dtype=np.float64)
    return (points - center[:, None] + scale[:, None] * 0.5) * (span / scale)[:, None]


def heatmap_to_image_udp(points: np.ndarray, box: np.ndarray, padding: float = 1.25,
                         input_size: tuple[int, int] = (INPUT_H, INPUT_W),
                         heatmap_size: tuple[int, int] = (64, 48),
                         min_size: float = 1.0) -> np.ndarray:
    """Inverse of :func:`image_to_heatmap_udp`: heatmap pixels [T, V, 2] -> image points."""
    center, scale = crop_region(box, padding, input_size)
    scale = np.maximum(scale, min_size)
    span = np.array([heatmap_size[1] - 1, heatmap_size[0] - 1], dtype=np.float64)
    points = np.asarray(points, dtype=np.float64)
    return points * (scale / span)[:, None] + center[:, None] - scale[:, None] * 0.5
