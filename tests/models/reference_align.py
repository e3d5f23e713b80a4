"""A float64 per-frame reference of PGHA (heatgait.models.align) in eval mode, for tests.

Written independently of torch: explicit argmax, angle, inverse mapping and bilinear
interpolation with zeros outside.
"""

from __future__ import annotations

import math

import numpy as np

from heatgait.models.align import HIPS, SHOULDERS, target_point


def align_heatmaps_reference(
    x: np.ndarray, gamma: float, *, translate_below: bool = False, max_angle: float = 60.0,
    eps: float = 1e-6,
) -> np.ndarray:
    """Float64 per-frame reference of :func:`align_heatmaps` in eval mode, for tests.

    Written independently of torch: explicit argmax, angle, inverse mapping and bilinear
    interpolation with zeros outside. x: [N, V, H, W] -> [N, V, H, W] float64.
    """
    x = np.asarray(x, dtype=np.float64)
    out = x.copy()
    n, v, h, w = x.shape
    tx, ty = target_point(h, w)
    for i in range(n):
        points = []
        ok = True
        for ch in SHOULDERS + HIPS:
            m = x[i, ch]
            ok = ok and (m.max() - m.min()) >= eps
            r, c = np.unravel_index(np.argmax(m), m.shape)
            points.append((float(c), float(r)))
        if not ok:
            continue
        neck = np.mean(points[:2], axis=0)
        hip = np.mean(points[2:], axis=0)
        theta = math.atan2(neck[0] - hip[0], hip[1] - neck[1])
        if abs(theta) > math.radians(max_angle):
            continue
        if abs(theta) <= math.radians(gamma):
            if not translate_below:
                continue
            theta = 0.0
        rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
        frame = np.zeros((v, h, w))
        for r in range(h):
            for c in range(w):
                sx, sy = rot @ np.array([c - tx, r - ty]) + neck
                frame[:, r, c] = _bilinear(x[i], sx, sy)
        out[i] = frame
    return out


def _bilinear(img: np.ndarray, sx: float, sy: float) -> np.ndarray:
    """Sample [V, H, W] at pixel (sx, sy) bilinearly, treating pixels outside as zero."""
    _, h, w = img.shape
    x0, y0 = math.floor(sx), math.floor(sy)
    fx, fy = sx - x0, sy - y0
    value = np.zeros(img.shape[0])
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            yy, xx = y0 + dy, x0 + dx
            if 0 <= yy < h and 0 <= xx < w:
                value += wy * wx * img[:, yy, xx]
    return value
