"""Table 4's "regenerated" heatmaps: maps redrawn from stored keypoints, as SkeletonGait makes them.

The paper's heatmap-type ablation feeds GaitHeat maps regenerated from keypoint coordinates
"with the same approach as SkeletonGait" instead of the pose model's raw heatmaps. Every shard
stores the decoded keypoints beside the heatmaps (``keypoints`` [T, 17, 3]: x, y in 64x48
heatmap pixels, score), so the ablation is a data transform, not a second extraction.

Kept from SkeletonGait's pretreatment (OpenGait ``datasets/pretreatment_heatmap.py`` with
``configs/skeletongait/pretreatment_heatmap.yaml``):

1. Missing joints imputed from the 4 most similar frames of the sequence, weighted by inverse
   distance, with distances between frames taken over the joints both frames have (scaled up
   for the joints they lack: the nan-Euclidean distance of a KNN imputer). SkeletonGait's
   pose files mark an undetected joint by coordinates 0; heatgait's keypoints are heatmap
   argmaxes and always have coordinates, so here "missing" means a score under ``min_score``
   or a non-finite value. Scores are not imputed: an imputed joint only steers the centring
   and scaling of its frame, it is not drawn.
2. Each frame centred on the mid-hip (mean of joints 11, 12) and scaled isotropically so that
   its vertical joint extent (all 17 joints) is 85 px of a 128x128 canvas, the hip at (64, 64).
3. One Gaussian per joint: sigma 8 canvas px, cut at 3 sigma along each axis (the square window
   SkeletonGait draws into), peak = the joint's score, joints under score 1e-3 not drawn.
4. Each frame cropped to the rows its Gaussians reach (within the canvas), square about the hip
   column, and resized to 64 rows: the scale s = 64 / h of SkeletonGait's 64x64 map.

How that maps onto GaitHeat's input [T, 17, 64, 48], and why:

- Joints stay in 17 channels instead of being merged by max into one image. GaitHeat does the
  merge itself: its global branch takes the max over all 17 channels, which is SkeletonGait's
  joint map, and its local branches take the max over joint groups, which needs joints apart.
- Width 48 is the middle 48 of SkeletonGait's 64 columns (same scale, hip column at the centre
  23.5). The columns dropped lie more than 0.375 h (~48 canvas px) from the hip; at an 85-px
  height a walker's joints stay within about 28 canvas px of it (99 % of heatgait's synthetic
  walkers' joints), so only the outer tails of the widest strides are cut.
- SkeletonGait's second channel, limbs drawn as segments with the smaller of their two end
  scores, is not made: a limb belongs to a joint pair and has no per-joint channel in GaitHeat,
  and drawing limbs into joint channels would put back the body shape between joints that
  the ablation takes away (the difference the paper measures).
- Gaussians are drawn at the output size with sigma and cut scaled with the canvas (8 s,
  3 x 8 s), i.e. the canvas Gaussians sampled at the output pixel centres, instead of drawing
  at 128x128, quantising to uint8 through a colormap and area-resizing: the same positions
  and widths without the resampling blur, on 5x fewer pixels. The crop rows are continuous
  rather than whole pixels, so the map depends on the pose only and is exactly invariant to
  where, and how large, the person was in the crop.
- Output float32 in [0, 1] (peak = score); the datasets min-max normalise it as a raw map.

All functions are pure numpy and batched over frames; ``regenerate_heatmaps`` is the one the
datasets apply to a sequence's keypoints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heatgait.data.schema import HEATMAP_H, HEATMAP_W, NUM_JOINTS

HIPS = (11, 12)  # COCO left / right hip
FLIP = np.array([0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15])  # COCO left<->right


@dataclass(frozen=True)
class RegenerateConfig:
    """SkeletonGait's pretreatment numbers and the output map size."""

    canvas: int = 128  # side of SkeletonGait's square canvas (heatmap_image_height)
    extent: float = 128 // 1.5  # 85.0: vertical joint extent of each frame on the canvas
    sigma: float = 8.0  # Gaussian sigma on the canvas
    cut: float = 3.0  # Gaussians end at cut * sigma from the joint (along each axis)
    min_score: float = 1e-3  # joints scoring less are not drawn (and count as missing)
    neighbours: int = 4  # frames a missing joint is imputed from
    height: int = HEATMAP_H
    width: int = HEATMAP_W


DEFAULT = RegenerateConfig()


def missing_joints(keypoints: np.ndarray, min_score: float = DEFAULT.min_score) -> np.ndarray:
    """Joints without a usable position: score under ``min_score`` or non-finite values.

    keypoints [..., v, 3] (x, y, score) -> [..., v] bool.
    """
    return ~(np.isfinite(keypoints).all(axis=-1) & (keypoints[..., 2] >= min_score))


def frame_distances(xy: np.ndarray, present: np.ndarray) -> np.ndarray:
    """nan-Euclidean distances between frames over their common joints.

    xy [t, v, 2], present [t, v] -> [t, t]; ``inf`` between frames with no joint in common.
    The squared distance over the c common joints is scaled by v / c (KNN imputers' rule).
    """
    p = present.astype(np.float64)  # [t, v]
    z = np.where(present[..., None], xy, 0.0).astype(np.float64)  # [t, v, 2]
    sq = (z * z).sum(axis=-1)  # [t, v]
    common = p @ p.T  # [t, t]
    d2 = sq @ p.T + p @ sq.T - 2.0 * np.einsum("avc,bvc->ab", z, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        d2 = np.maximum(d2, 0.0) * (xy.shape[1] / common)
    return np.where(common > 0, np.sqrt(d2), np.inf)


def _knn_fill(values: np.ndarray, dist: np.ndarray, k: int) -> np.ndarray:
    """Weighted mean of donor values [d, 2] for receivers with distances [m, d] -> [m, 2].

    Inverse-distance weights over the k nearest finite donors; donors at distance 0 share all
    the weight; a receiver with no finite distance gets the plain donor mean.
    """
    k = min(k, dist.shape[1])
    nearest = np.argpartition(dist, k - 1, axis=1)[:, :k]  # [m, k]
    d = np.take_along_axis(dist, nearest, axis=1)
    with np.errstate(divide="ignore"):
        weights = np.where(np.isfinite(d), 1.0 / d, 0.0)
    exact = np.isinf(weights)
    weights = np.where(exact.any(axis=1, keepdims=True), exact.astype(np.float64), weights)
    total = weights.sum(axis=1, keepdims=True)
    filled = np.einsum("mk,mkc->mc", weights, values[nearest]) / np.where(total > 0, total, 1)
    return np.where(total > 0, filled, values.mean(axis=0))


def impute_missing(xy: np.ndarray, missing: np.ndarray,
                   neighbours: int = DEFAULT.neighbours) -> np.ndarray:
    """Fill missing joint positions from similar frames; xy [t, v, 2], missing [t, v].

    A joint missing in every frame takes its left/right partner's positions, else the mean
    of its frame's other joints. Returns float64 [t, v, 2]; unchanged where nothing is known.
    """
    present = ~missing
    out = np.where(present[..., None], xy, 0.0).astype(np.float64)
    if present.all() or not present.any():
        return out
    dist = frame_distances(xy, present)  # [t, t]
    never = ~present.any(axis=0)  # [v]
    for joint in np.flatnonzero(missing.any(axis=0) & ~never):
        receivers, donors = np.flatnonzero(missing[:, joint]), np.flatnonzero(present[:, joint])
        out[receivers, joint] = _knn_fill(out[donors, joint], dist[np.ix_(receivers, donors)],
                                          neighbours)
    for joint in np.flatnonzero(never):
        partner = FLIP[joint]
        if partner < xy.shape[1] and not never[partner]:
            out[:, joint] = out[:, partner]
        else:
            out[:, joint] = out[:, ~never].mean(axis=1)
    return out


def normalize_to_canvas(xy: np.ndarray, config: RegenerateConfig = DEFAULT
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Centre each frame on the mid-hip and scale its vertical extent to ``config.extent``.

    xy [t, v, 2] (complete) -> (canvas positions [t, v, 2], usable [t]); a frame whose joints
    share one row has no scale and is unusable (drawn blank).
    """
    hip = xy[:, list(HIPS)].mean(axis=1, keepdims=True)  # [t, 1, 2]
    extent = xy[..., 1].max(axis=1) - xy[..., 1].min(axis=1)  # [t]
    usable = extent > 1e-6
    scale = config.extent / np.where(usable, extent, 1.0)
    return (xy - hip) * scale[:, None, None] + config.canvas // 2, usable


def canvas_to_output(canvas_xy: np.ndarray, drawn: np.ndarray,
                     config: RegenerateConfig = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """Crop each frame to the rows its drawn Gaussians reach and map it to the output size.

    canvas_xy [t, v, 2], drawn [t, v] -> (output positions [t, v, 2], sigma [t]) in output
    pixels. Rows y_top..y_btm (h = y_btm - y_top + 1 rows) become the output's rows, scale
    s = height / h on both axes, the hip column (canvas centre) the output's centre column.
    """
    reach = config.cut * config.sigma
    y = canvas_xy[..., 1]
    top = np.clip(np.where(drawn, y, np.inf).min(axis=1) - reach, 0, config.canvas - 1)
    bottom = np.clip(np.where(drawn, y, -np.inf).max(axis=1) + reach, 0, config.canvas - 1)
    scale = config.height / np.where(drawn.any(axis=1), bottom - top + 1, config.canvas)  # [t]
    s = scale[:, None]
    out = np.stack([(canvas_xy[..., 0] - config.canvas // 2) * s + (config.width - 1) / 2,
                    (y - top[:, None] + 0.5) * s - 0.5], axis=-1)
    return out, config.sigma * scale


def draw_gaussians(xy: np.ndarray, score: np.ndarray, sigma: np.ndarray,
                   config: RegenerateConfig = DEFAULT) -> np.ndarray:
    """One cut Gaussian per joint: xy [t, v, 2], score [t, v], sigma [t] -> [t, v, H, W].

    value = score * exp(-d^2 / (2 sigma^2)) within ``cut * sigma`` of the joint along each axis,
    0 beyond; joints scoring under ``min_score`` are 0 everywhere. float32.
    """
    sig = np.asarray(sigma, dtype=np.float64)[:, None, None]  # [t, 1, 1]
    cols = np.arange(config.width, dtype=np.float64)
    rows = np.arange(config.height, dtype=np.float64)
    dx = cols - xy[..., 0:1]  # [t, v, W]
    dy = rows - xy[..., 1:2]  # [t, v, H]
    gx = np.where(np.abs(dx) <= config.cut * sig, np.exp(-dx * dx / (2 * sig * sig)), 0.0)
    gy = np.where(np.abs(dy) <= config.cut * sig, np.exp(-dy * dy / (2 * sig * sig)), 0.0)
    peak = np.where(score >= config.min_score, score, 0.0)[..., None]  # [t, v, 1]
    gy = (gy * peak).astype(np.float32)
    return gy[..., :, None] * gx.astype(np.float32)[..., None, :]


def regenerated_keypoints(keypoints: np.ndarray, frames: np.ndarray | None = None,
                          config: RegenerateConfig = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """Where ``regenerate_heatmaps`` draws: (positions [t, v, 3] x, y, score, sigma [t]).

    Scores are 0 for joints not drawn (missing ones and whole unusable frames); positions are
    in output pixels. Imputation uses every frame; ``frames`` picks the frames returned.
    """
    keypoints = np.asarray(keypoints)
    if keypoints.ndim != 3 or keypoints.shape[1:] != (NUM_JOINTS, 3):
        raise ValueError(f"keypoints of shape {keypoints.shape}: expected [T, {NUM_JOINTS}, 3]")
    missing = missing_joints(keypoints, config.min_score)
    xy = impute_missing(keypoints[..., :2], missing, config.neighbours)
    canvas_xy, usable = normalize_to_canvas(xy, config)
    score = np.where(missing, 0.0, np.nan_to_num(keypoints[..., 2])) * usable[:, None]
    if frames is not None:
        frames = np.asarray(frames, dtype=np.int64)
        canvas_xy, score = canvas_xy[frames], score[frames]
    out_xy, sigma = canvas_to_output(canvas_xy, score >= config.min_score, config)
    return np.concatenate([out_xy, score[..., None]], axis=-1), sigma


def regenerate_heatmaps(keypoints: np.ndarray, frames: np.ndarray | None = None,
                        config: RegenerateConfig = DEFAULT) -> np.ndarray:
    """A sequence's keypoints [T, 17, 3] -> regenerated heatmaps [t, 17, 64, 48] float32.

    ``frames`` (positions, any order, repeats allowed) renders only those frames, after
    imputing over the whole sequence: a training sample reads all keypoints (small) and
    draws its 30 frames.
    """
    positions, sigma = regenerated_keypoints(keypoints, frames, config)
    return draw_gaussians(positions[..., :2], positions[..., 2], sigma, config)
