"""Pose-guided heatmap alignment (PGHA, paper section 3.2, eqs. 1-4).

Heatmaps straight from a top-down pose model are roughly centred, but the body can lean (camera
perspective) and drift inside the crop (walking). PGHA undoes both without parameters: the neck
(mean argmax of the shoulder channels 5, 6) and the hip (mean argmax of 11, 12) define a spine;
the frame is rotated by -theta about the spine's midpoint so that the spine becomes vertical
(eq. 2), then shifted so that the rotated neck lands on a fixed point (eq. 3), 16 rows from the
top and centred horizontally on a 64x48 map (scaled with the map size).

Choices the paper leaves open, made here:
- theta: eq. 1 as printed, arctan(dx, dy) with image y pointing down, is about 180 deg for an
  upright body. We use the angle of the neck-hip line from the upward vertical,
  theta = atan2(neck_x - hip_x, hip_y - neck_y): 0 when upright, positive when the neck is to
  the right of the hip (image coordinates).
- Frames with |theta| <= gamma pass through unchanged (the paper's rule and the authors'
  code: PGHA as a whole, rotation and the translation that comes with it, applies above gamma
  only). ``translate_below=True`` (recipe key ``model.translate_below``) is heatgait's earlier
  variant: frames under gamma are still translated (neck to the target), only not rotated.
- In training, frames under gamma are also aligned with probability ``p_below`` (paper: 0.2).
- Coordinates: argmax indices are pixel centres, so sampling uses ``align_corners=False`` with
  pixel i at normalised (2i + 1) / size - 1; bilinear, zeros outside the map.
- The transform is computed and sampled in float32 whatever the input dtype, then cast back.
- A frame whose shoulder or hip channels are flat (max - min < eps) has no usable spine and is
  returned unchanged. So is a frame whose spine leans more than ``max_angle`` (60 deg): a
  walker's spine is never that far from vertical in a person crop, so such an angle means an
  argmax landed on the wrong joint (a missed or swapped shoulder/hip), and rotating by it
  would turn an upright body on its side.

Eq. 4 of the paper maps target to source with "M"; the matrix that does so is the inverse of
the forward transform p -> R(p - neck) + target (rotation about the midpoint followed by the
eq.-3 translation reduces to exactly this), i.e. source = R^T (target_px - target) + neck.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

SHOULDERS = (5, 6)
HIPS = (11, 12)
TARGET_XY = (24.0, 16.0)  # neck target on a 48 (W) x 64 (H) map
REFERENCE_HW = (64, 48)


def target_point(height: int, width: int) -> tuple[float, float]:
    """The neck target (x, y) in pixels, scaled from (24, 16) on 48x64 to the given map size."""
    return TARGET_XY[0] * width / REFERENCE_HW[1], TARGET_XY[1] * height / REFERENCE_HW[0]


def spine(x: torch.Tensor, eps: float = 1e-6) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Neck and hip positions (x, y) in pixels and a validity flag for each frame.

    x: [N, V, H, W]. Returns neck [N, 2], hip [N, 2] (float32) and valid [N] (bool).
    """
    n, _, h, w = x.shape
    joints = x[:, list(SHOULDERS + HIPS)].reshape(n, 4, h * w)  # [N, 4, H*W]
    index = joints.argmax(dim=-1)  # [N, 4]
    xy = torch.stack([index % w, torch.div(index, w, rounding_mode="floor")], dim=-1).float()
    spread = (joints.amax(dim=-1) - joints.amin(dim=-1)).float()  # [N, 4]
    valid = torch.isfinite(spread).all(dim=-1) & (spread >= eps).all(dim=-1)
    return xy[:, :2].mean(dim=1), xy[:, 2:].mean(dim=1), valid


def spine_angle(neck: torch.Tensor, hip: torch.Tensor) -> torch.Tensor:
    """theta in radians of the hip->neck line from the upward vertical. [N, 2] x2 -> [N]."""
    return torch.atan2(neck[:, 0] - hip[:, 0], hip[:, 1] - neck[:, 1])


@dataclass
class AlignmentPlan:
    """What PGHA does to each frame of a batch (before any pixel moves)."""

    neck: torch.Tensor  # [N, 2] neck (x, y) in pixels
    theta: torch.Tensor  # [N] estimated lean in radians
    rotated: torch.Tensor  # [N] bool: rotated upright (and moved)
    moved: torch.Tensor  # [N] bool: warped at all (rotated, or only translated)


def plan_alignment(
    x: torch.Tensor,
    gamma: float,
    p_below: float = 0.0,
    training: bool = False,
    generator: torch.Generator | None = None,
    *,
    translate_below: bool = False,
    max_angle: float = 60.0,
    eps: float = 1e-6,
) -> AlignmentPlan:
    """Which frames of [N, V, H, W] PGHA rotates, translates or leaves, and by what."""
    if x.dim() != 4 or x.shape[1] <= max(HIPS):
        raise ValueError(f"align_heatmaps expects [N, 17, H, W] heatmaps, got {tuple(x.shape)}")
    n = x.shape[0]
    neck, hip, valid = spine(x, eps)  # [N, 2], [N, 2], [N]
    theta = spine_angle(neck, hip)  # [N]
    valid = valid & (theta.abs() <= math.radians(max_angle))
    rotate = theta.abs() > math.radians(gamma)
    if training and p_below > 0:
        device = generator.device if generator is not None else x.device
        draw = torch.rand(n, generator=generator, device=device).to(x.device)
        rotate = rotate | (draw < p_below)
    moved = valid & (rotate | translate_below)
    return AlignmentPlan(neck=neck, theta=theta, rotated=valid & rotate, moved=moved)


def align_heatmaps(
    x: torch.Tensor,
    gamma: float,
    p_below: float = 0.0,
    training: bool = False,
    generator: torch.Generator | None = None,
    *,
    translate_below: bool = False,
    max_angle: float = 60.0,
    eps: float = 1e-6,
) -> torch.Tensor:
    """Align a batch of heatmap frames: [N, V, H, W] -> [N, V, H, W], same dtype and device.

    gamma is in degrees. Deterministic unless ``training`` and ``p_below > 0``.
    """
    if x.dim() == 4 and x.shape[0] == 0:
        return x
    plan = plan_alignment(x, gamma, p_below, training, generator,
                          translate_below=translate_below, max_angle=max_angle, eps=eps)
    # Skip the warp when no frame moves: on the CPU at inference only (no GPU sync, and in
    # training a batch of P x K x 30 frames practically always has a moved frame, so the check
    # would be a read of the device per step for nothing); never while exporting a graph.
    if (x.device.type == "cpu" and not training and not torch.compiler.is_exporting()
            and not bool(plan.moved.any())):
        return x
    _, _, h, w = x.shape
    angle = torch.where(plan.rotated, plan.theta, torch.zeros_like(plan.theta))
    neck = plan.neck
    cos, sin = torch.cos(angle), torch.sin(angle)  # R(-theta)^T = R(theta)
    tx, ty = target_point(h, w)
    ys = torch.arange(h, device=x.device, dtype=torch.float32) - ty
    xs = torch.arange(w, device=x.device, dtype=torch.float32) - tx
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")  # [H, W] offsets from the target
    c, s = cos[:, None, None], sin[:, None, None]
    src_x = c * gx - s * gy + neck[:, 0, None, None]  # [N, H, W] source pixel columns
    src_y = s * gx + c * gy + neck[:, 1, None, None]  # [N, H, W] source pixel rows
    grid = torch.stack([(2 * src_x + 1) / w - 1, (2 * src_y + 1) / h - 1], dim=-1)  # [N, H, W, 2]
    out = F.grid_sample(
        x.float(), grid, mode="bilinear", padding_mode="zeros", align_corners=False
    ).to(x.dtype)
    return torch.where(plan.moved[:, None, None, None], out, x)
