"""One synthetic recording: walker -> camera -> detector box -> top-down crop -> heatmaps.

Mirrors stage 1 of heatgait: the person box (from the projected body, with detector jitter)
is padded by 1.25 and widened to the 192/256 aspect ratio of the pose input, and joints are
mapped into that crop's 64x48 heatmap grid. Then come the faults a real pose model and camera
bring: camera roll (tilt), a box off the person's centre (offset), hidden far-side joints,
missed joints and left/right swaps, and for the conditions a coat (wide shade, vague hips and
knees) or a bag (a blob, damped arm swing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heatgait.data.keypoints import decode_keypoints
from heatgait.synth import render
from heatgait.synth.params import SequenceParams, SubjectParams, perturb
from heatgait.synth.skeleton import (
    BAG,
    HEAD_TOP,
    L_TOE,
    NECK,
    R_TOE,
    project,
    walk_3d,
    walking_speed,
)

PADDING = 1.25
ASPECT = 48 / 64  # width / height of the pose input (192x256)
IMAGE_H = 480
SHADE_STEP = 2  # the faint body shade is drawn on a 32x24 grid
FLIP = np.array([0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15])  # COCO left<->right
SIGMA = np.array([1.4] * 5 + [1.7] * 6 + [2.0, 2.0, 1.8, 1.8, 1.7, 1.7], dtype=np.float32)
HIPS_KNEES = np.array([11, 12, 13, 14])
# Shade capsules: (start, end, width as a multiple of the subject's build).
LIMBS = [(5, 7, 0.8), (7, 9, 0.7), (6, 8, 0.8), (8, 10, 0.7), (11, 13, 1.2), (13, 15, 0.9),
         (12, 14, 1.2), (14, 16, 0.9), (15, L_TOE, 0.6), (16, R_TOE, 0.6), (5, 11, 1.3),
         (6, 12, 1.3), (5, 6, 1.0), (11, 12, 1.2), (NECK, 0, 0.8), (HEAD_TOP, 0, 2.2)]
COAT = [(5, 13, 1.0), (6, 14, 1.0), (11, 13, 1.0), (12, 14, 1.0), (5, 7, 0.5), (6, 8, 0.5)]


@dataclass
class Rendered:
    """The arrays of one synthetic sequence, in the shard record's layout."""

    heatmaps: np.ndarray  # [t, 17, 64, 48] float32 in [0, 1]
    keypoints: np.ndarray  # [t, 17, 3] argmax x, y and peak value
    boxes: np.ndarray  # [t, 4] person box x1, y1, x2, y2 in the source image
    frame_scores: np.ndarray  # [t] mean keypoint score
    joints: np.ndarray  # [t, 17, 2] where the peaks were drawn (before misses and swaps)


def _tilt(uv: np.ndarray, tilt_deg: float) -> np.ndarray:
    """Roll the image about the pelvis: + leans the hip-to-neck line towards +x."""
    if tilt_deg == 0:
        return uv
    a = np.deg2rad(tilt_deg)
    c, s = np.cos(a), np.sin(a)
    centre = uv[:, 11:13].mean(axis=1, keepdims=True)
    rel = uv - centre
    return centre + np.stack([c * rel[..., 0] - s * rel[..., 1], s * rel[..., 0] + c * rel[..., 1]],
                             axis=-1)


def _to_crop(pts: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Image points [t, p, 2] -> heatmap pixels of the padded, aspect-fixed crop of ``box``."""
    centre = (box[:, :2] + box[:, 2:]) / 2
    w, h = (box[:, 2] - box[:, 0]) * PADDING, (box[:, 3] - box[:, 1]) * PADDING
    h = np.maximum(h, w / ASPECT)  # [t]
    w = h * ASPECT
    scale = np.stack([render.W / w, render.H / h], axis=-1)[:, None, :]  # [t, 1, 2]
    half = np.array([render.W / 2, render.H / 2])
    return (pts - centre[:, None, :]) * scale + half - 0.5


def render_sequence(subject: SubjectParams, seq: SequenceParams, num_frames: int) -> Rendered:
    """Render ``num_frames`` frames of ``subject`` walking under the recording ``seq``."""
    rng = np.random.default_rng(seq.seed)
    day = perturb(subject, rng, seq.day_noise)
    pts3 = walk_3d(day, seq, num_frames)
    uv, depth = project(pts3, seq.view_deg)  # [t, p, 2] body heights
    uv = _tilt(uv, seq.tilt_deg)

    # Source image: the person walks across a 640x480 frame; the box hugs the body.
    t = np.arange(num_frames) / 25.0
    travel = walking_speed(day, seq) * t * np.sin(np.deg2rad(seq.view_deg))
    img = uv * seq.image_scale + np.array([160.0, IMAGE_H * 0.55])
    img[..., 0] += travel[:, None] * seq.image_scale
    margin = np.array([-1.0, -1.0, 1.0, 1.0]) * day.build * seq.image_scale
    box = np.concatenate([img.min(axis=1), img.max(axis=1)], axis=1) + margin  # [t, 4]
    box += rng.normal(0.0, 0.015, size=box.shape) * seq.image_scale  # detector jitter

    xy = _to_crop(img, box)  # [t, p, 2] heatmap pixels
    xy += np.asarray(seq.offset)
    px_per_body = float(np.median(np.abs(xy[:, HEAD_TOP, 1] - xy[:, 15:17, 1].max(axis=1))))
    joints = xy[:, :17] + rng.normal(0.0, 0.35, size=(num_frames, 17, 2))

    sigma = np.broadcast_to(SIGMA, (num_frames, 17)).copy()
    amp = rng.uniform(0.75, 1.0, size=(num_frames, 17))
    rel_depth = depth[:, :17] - depth[:, [11, 12]].mean(axis=1, keepdims=True)
    amp *= np.clip(1.0 - 4.0 * (-rel_depth - 0.03), 0.5, 1.0)  # joints behind the body fade
    peaks_at = joints.copy()
    if seq.coat > 0:  # a coat hides hips and knees: wide, weak, shifted responses
        sigma[:, HIPS_KNEES] *= 1.8
        amp[:, HIPS_KNEES] *= 0.5
        drop = np.array([0.0, seq.coat * 0.6]) * px_per_body
        peaks_at[:, HIPS_KNEES] += drop + rng.normal(0.0, 1.2, size=(num_frames, 4, 2))
    swap = rng.random((num_frames, 17)) < 0.03  # left/right confusions of the pose model
    peaks_at[swap] = peaks_at[:, FLIP][swap]
    wrong = rng.random((num_frames, 17)) < 0.015  # a joint found somewhere else
    peaks_at[wrong] += rng.normal(0.0, 6.0, size=(int(wrong.sum()), 2))
    missed = rng.random((num_frames, 17)) < 0.03  # a joint not found: flat, low channel
    amp[missed] *= rng.uniform(0.05, 0.3, size=int(missed.sum()))

    limbs = LIMBS + (COAT if seq.coat > 0 else [])
    a = xy[:, [s for s, _, _ in limbs]]
    b = xy[:, [e for _, e, _ in limbs]]
    width = np.array([m for _, _, m in limbs]) * day.build * px_per_body
    if seq.coat > 0:
        width[len(LIMBS):] += seq.coat * px_per_body
    shade = render.segment_shade(a, b, width, step=SHADE_STEP)
    if seq.bag_kind:
        radius = np.full(num_frames, 0.055 * px_per_body)
        shade = np.maximum(shade, 0.9 * render.blob(xy[:, BAG], radius, step=SHADE_STEP))
    gain = rng.uniform(0.08, 0.2, size=17)

    heatmaps = render.gaussian_peaks(peaks_at, sigma, amp)
    heatmaps = render.compose(heatmaps, shade, gain, noise_amp=0.05, rng=rng)
    keypoints = decode_keypoints(heatmaps)  # [t, 17, 3], as extraction reads them
    return Rendered(heatmaps=heatmaps, keypoints=keypoints, boxes=box.astype(np.float32),
                    frame_scores=keypoints[..., 2].mean(axis=1), joints=joints.astype(np.float32))
