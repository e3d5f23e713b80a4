"""Drawing pose-model-like heatmaps from joint positions: gaussian peaks over a faint body shade.

A real top-down pose model's 17x64x48 output is not a set of clean dots: each channel peaks at
its joint, the body as a whole leaves a weak response (which is why heatmaps carry shape, the
point of GaitHeat), and there is low-level clutter. These pure, batched functions draw exactly
those three parts; the choice of what to draw (occlusion, misses, coats) is ``sequence.py``'s.
"""

from __future__ import annotations

import numpy as np

H, W = 64, 48
NOISE_BLOCK = 4  # clutter is drawn at 16x12 and stretched: cheap and spatially smooth-ish

_YY = np.arange(H, dtype=np.float32)
_XX = np.arange(W, dtype=np.float32)


def gaussian_peaks(xy: np.ndarray, sigma: np.ndarray, amp: np.ndarray) -> np.ndarray:
    """Separable gaussians: one peak per (frame, channel).

    xy [t, v, 2] in heatmap pixels (x right, y down), sigma and amp [t, v].
    Returns [t, v, 64, 48] float32.
    """
    inv = (-0.5 / np.square(sigma)).astype(np.float32)[..., None]  # [t, v, 1]
    gx = np.exp(np.square(_XX - xy[..., :1].astype(np.float32)) * inv)  # [t, v, 48]
    gy = np.exp(np.square(_YY - xy[..., 1:].astype(np.float32)) * inv)  # [t, v, 64]
    gy *= amp.astype(np.float32)[..., None]
    return gy[..., :, None] * gx[..., None, :]


def _grid(step: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates of a grid ``step`` times coarser than 64x48 (full-res units)."""
    offset = (step - 1) / 2
    return _XX[::step] + offset, _YY[::step] + offset


def segment_shade(a: np.ndarray, b: np.ndarray, width: np.ndarray, step: int = 1) -> np.ndarray:
    """Soft capsules along segments a-b, merged by max: a body-shaped mask.

    a, b [t, s, 2] segment ends in heatmap pixels, width [s] gaussian width in pixels.
    Returns [t, 64 / step, 48 / step] float32 in [0, 1]: a coarse grid is enough for a faint,
    smooth shade. The max is taken over exponents (exp is monotonic): one exp per pixel.
    """
    a = a.astype(np.float32)
    d = b.astype(np.float32) - a  # [t, s, 2]
    inv_len2 = 1.0 / np.maximum(np.sum(d * d, axis=-1), 1e-6)  # [t, s]
    k = (-0.5 / np.square(np.asarray(width, dtype=np.float32)))  # [s]
    xx, yy = _grid(step)
    best = np.full((a.shape[0], len(yy), len(xx)), -np.inf, dtype=np.float32)
    for i in range(a.shape[1]):  # segments one by one keeps the arrays frame-sized
        rx = xx[None, None, :] - a[:, i, 0, None, None]  # [t, 1, w]
        ry = yy[None, :, None] - a[:, i, 1, None, None]  # [t, h, 1]
        dx, dy = d[:, i, 0, None, None], d[:, i, 1, None, None]
        u = (rx * dx + ry * dy) * inv_len2[:, i, None, None]  # [t, 64, 48]
        np.clip(u, 0.0, 1.0, out=u)
        ex, ey = rx - u * dx, ry - u * dy
        e = (ex * ex + ey * ey) * k[i]
        np.maximum(best, e, out=best)
    return np.exp(best, out=best)


def blob(centre: np.ndarray, radius: np.ndarray, step: int = 1) -> np.ndarray:
    """A round soft blob per frame (a carried bag): centre [t, 2], radius [t].  # [t, h, w]"""
    xx, yy = _grid(step)
    dx = xx[None, None, :] - centre[:, 0, None, None]
    dy = yy[None, :, None] - centre[:, 1, None, None]
    r = radius[:, None, None]
    return np.exp(-0.5 * (dx * dx + dy * dy) / (r * r)).astype(np.float32)


def compose(peaks: np.ndarray, shade: np.ndarray, shade_gain: np.ndarray,
            noise_amp: float, rng: np.random.Generator) -> np.ndarray:
    """Channel = max(peak, gain * shade) + blocky clutter, clipped to [0, 1].

    peaks [t, v, 64, 48]; shade [t, 64/k, 48/k] (a coarse shade is spread over k x k blocks);
    shade_gain [v]. Modifies ``peaks`` in place.
    """
    t, v = peaks.shape[:2]
    k = H // shade.shape[1]
    cells = peaks.reshape(t, v, H // k, k, W // k, k)
    gained = shade[:, None] * shade_gain.astype(np.float32)[None, :, None, None]  # [t, v, h, w]
    np.maximum(cells, gained[:, :, :, None, :, None], out=cells)
    hb, wb = H // NOISE_BLOCK, W // NOISE_BLOCK
    clutter = rng.random((t, v, hb, 1, wb, 1), dtype=np.float32) * np.float32(noise_amp)
    blocks = peaks.reshape(t, v, hb, NOISE_BLOCK, wb, NOISE_BLOCK)
    blocks += clutter
    return np.clip(peaks, 0.0, 1.0, out=peaks)
