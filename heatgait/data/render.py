"""Keypoints in the heatmap frame -> the maps a top-down pose model would have produced.

``heatgait import`` of a keypoint data set (rendering ``pose-model``) and the loaders'
``heatmaps: rendered`` draw with :func:`render_pose_model`. The keypoints are already in the
64x48 heatmap frame (``extract.pose.crop.image_to_heatmap_udp`` put them there with mmpose's
UDP geometry), so this is mmpose's ``generate_udp_gaussian_heatmaps`` with sigma 2:

- each joint's window is the (6 sigma + 1)-pixel square about mu = trunc(x + 0.5) (mmpose's
  integer centre), and inside it the value is exp(-d^2 / (2 sigma^2)) with d the distance of
  the pixel centre to the exact (x, y); outside it 0;
- a joint whose window lies wholly off the grid draws nothing (mmpose sets its weight to 0);
- the peak is the joint's score, not 1: real pose heatmaps peak at their confidence, and a
  missing joint (score 0) stays an empty map (SkeletonGait's ``use_score`` does the same).

Pure numpy and batched over frames: a DataLoader worker renders a 30-frame sample in about a
millisecond (benchmarks/bench_import_keypoints.py).
"""

from __future__ import annotations

import numpy as np

from heatgait.data.schema import HEATMAP_H, HEATMAP_W, NUM_JOINTS

SIGMA = 2.0  # heatmap pixels: mmpose's UDPHeatmap(sigma=2) for 256x192 inputs
RENDERINGS = ("pose-model", "skeletongait")  # how ``heatgait import`` draws keypoints
DEFAULT_RENDERING = "pose-model"


def _axis(coords: np.ndarray, size: int, sigma: float) -> np.ndarray:
    """One axis of the separable Gaussian: coords [t, v] -> [t, v, size] float64."""
    radius = 3 * sigma
    mu = np.trunc(coords + 0.5)  # mmpose: (keypoint + 0.5).astype(int64)
    pixels = np.arange(size, dtype=np.float64)
    d = pixels - coords[..., None]
    inside = np.abs(pixels - mu[..., None]) <= radius
    return np.where(inside, np.exp(-d * d / (2 * sigma * sigma)), 0.0)


def render_pose_model(keypoints: np.ndarray, sigma: float = SIGMA,
                      height: int = HEATMAP_H, width: int = HEATMAP_W) -> np.ndarray:
    """Keypoints [t, 17, 3] (x, y in heatmap pixels, score) -> heatmaps [t, 17, H, W] float32.

    Non-finite or non-positive scores draw nothing.
    """
    kp = np.asarray(keypoints, dtype=np.float64)
    if kp.ndim != 3 or kp.shape[1:] != (NUM_JOINTS, 3):
        raise ValueError(f"keypoints of shape {kp.shape}: expected [T, {NUM_JOINTS}, 3]")
    finite = np.isfinite(kp).all(axis=-1)
    score = np.where(finite & (kp[..., 2] > 0), kp[..., 2], 0.0)  # [t, v]
    x = np.where(finite, kp[..., 0], -1e6)
    y = np.where(finite, kp[..., 1], -1e6)
    gx = _axis(x, width, sigma).astype(np.float32)  # [t, v, W]
    gy = (_axis(y, height, sigma) * score[..., None]).astype(np.float32)  # [t, v, H]
    return gy[..., :, None] * gx[..., None, :]
