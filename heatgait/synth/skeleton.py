"""A kinematic 3D walker, rotated to a camera view and projected to the image plane.

The body is a stick figure in units of body height: x forward, y to the walker's left, z up.
Joint angles follow sinusoidal gait-cycle curves (hip flexion, swing-phase knee flexion, arm
swing against the legs, pelvis bob/sway/turn, trunk lean) whose amplitudes come from
``SubjectParams``, so identity shows both in proportions and in motion. Points are the 17 COCO
joints followed by the extras the body shade needs (neck, head top, toes, a carried bag).
"""

from __future__ import annotations

import numpy as np

from heatgait.synth.params import SequenceParams, SubjectParams

FPS = 25.0
# COCO-17 order, then extras used only for the shade and the person box.
NECK, HEAD_TOP, L_TOE, R_TOE, BAG = 17, 18, 19, 20, 21
NUM_POINTS = 22
FAR = 5.0  # camera distance in body heights (weak perspective)


def _rot_z(v: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotate vectors [t, 3] about the vertical axis by ``angle`` [t]."""
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([c * v[:, 0] - s * v[:, 1], s * v[:, 0] + c * v[:, 1], v[:, 2]], axis=1)


def _swing_vec(pitch: np.ndarray, roll: np.ndarray | float, side: float) -> np.ndarray:
    """Unit limb direction [t, 3] pointing down, pitched forward by ``pitch`` and out by roll."""
    roll = np.broadcast_to(np.asarray(roll, dtype=np.float64), pitch.shape)
    v = np.stack([np.sin(pitch), side * np.sin(roll) * np.cos(pitch), -np.cos(pitch) * np.cos(roll)],
                 axis=1)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def walk_3d(s: SubjectParams, q: SequenceParams, num_frames: int) -> np.ndarray:
    """3D points of ``num_frames`` frames of walking (pelvis over the origin).  # [t, 22, 3]"""
    t = np.arange(num_frames, dtype=np.float64) / FPS
    phi = q.phase0 + 2 * np.pi * s.cadence * q.speed * t  # [t]
    pts = np.zeros((num_frames, NUM_POINTS, 3))

    # Arms: a bag in the hand or on the shoulder damps the swing on its side.
    swing_l = swing_r = s.arm_swing
    bend_l = bend_r = s.elbow_bend
    if q.bag_kind == "hand":
        damp, bend = 0.2, 0.15
    elif q.bag_kind == "shoulder":
        damp, bend = 0.5, 0.5
    else:
        damp, bend = 1.0, 0.0
    if q.bag_kind == "backpack":
        swing_l, swing_r = 0.8 * swing_l, 0.8 * swing_r
    elif q.bag_kind:
        if q.bag_side > 0:
            swing_l, bend_l = swing_l * damp, bend_l + bend
        else:
            swing_r, bend_r = swing_r * damp, bend_r + bend
    lean = s.trunk_lean + (0.06 if q.bag_kind == "backpack" else 0.0)

    pelvis = np.stack([np.zeros_like(t), s.sway * np.sin(phi),
                       s.leg + 0.04 + s.head_bob * np.cos(2 * phi)], axis=1)
    turn = s.pelvis_turn * np.sin(phi)
    for side, hip_j, knee_j, ankle_j, toe_j, ph, amp in (
        (1.0, 11, 13, 15, L_TOE, phi, 1 + s.asymmetry),
        (-1.0, 12, 14, 16, R_TOE, phi + np.pi, 1 - s.asymmetry),
    ):
        hip = pelvis + _rot_z(np.tile([0.0, side * s.hip_width / 2, 0.0], (num_frames, 1)), turn)
        flex = s.stride * amp * np.sin(ph)  # hip flexion, + = leg forward
        knee_angle = (s.knee_stance * (0.5 + 0.5 * np.cos(ph - 0.3))
                      + s.knee_flex * np.clip(np.cos(ph + 0.6), 0, None) ** 2)
        knee = hip + s.leg * s.thigh_ratio * _swing_vec(flex, 0.02, side)
        ankle = knee + s.leg * (1 - s.thigh_ratio) * _swing_vec(flex - knee_angle, 0.0, side)
        foot = _rot_z(np.tile([0.13, 0.0, -0.03], (num_frames, 1)), side * s.toe_out + turn)
        pts[:, hip_j], pts[:, knee_j], pts[:, ankle_j], pts[:, toe_j] = hip, knee, ankle, ankle + foot

    up = np.array([np.sin(lean), 0.0, np.cos(lean)])
    neck = pelvis + s.torso * up
    for side, sh_j, el_j, wr_j, swing, elbow, ph in (
        (1.0, 5, 7, 9, swing_l, bend_l, phi + np.pi),
        (-1.0, 6, 8, 10, swing_r, bend_r, phi),
    ):
        shoulder = neck + _rot_z(np.tile([0.0, side * s.shoulder_width / 2, 0.0], (num_frames, 1)),
                                 -1.3 * turn)
        pitch = swing * np.sin(ph)
        elbow_angle = elbow + 0.4 * swing * (0.5 + 0.5 * np.sin(ph))
        upper = s.arm * s.upper_arm_ratio
        el = shoulder + upper * _swing_vec(pitch, s.arm_abduction, side)
        wr = el + (s.arm - upper) * _swing_vec(pitch + elbow_angle, s.arm_abduction * 0.5, side)
        pts[:, sh_j], pts[:, el_j], pts[:, wr_j] = shoulder, el, wr

    h = s.head
    pts[:, NECK] = neck
    face = neck + np.array([0.35 * h, 0.0, 0.75 * h]) + np.array([lean * 0.3 * h, 0.0, 0.0])
    pts[:, 0] = face + np.array([0.12 * h, 0.0, 0.0])  # nose
    pts[:, 1] = face + np.array([0.05 * h, 0.22 * h, 0.22 * h])  # left eye
    pts[:, 2] = face + np.array([0.05 * h, -0.22 * h, 0.22 * h])
    pts[:, 3] = face + np.array([-0.40 * h, 0.45 * h, 0.12 * h])  # left ear
    pts[:, 4] = face + np.array([-0.40 * h, -0.45 * h, 0.12 * h])
    pts[:, HEAD_TOP] = neck + np.array([0.0, 0.0, 1.45 * h])
    side_hip, side_wrist = (11, 9) if q.bag_side > 0 else (12, 10)
    if q.bag_kind == "shoulder":
        pts[:, BAG] = pts[:, side_hip] + np.array([0.03, q.bag_side * 0.07, 0.0])
    elif q.bag_kind == "hand":
        pts[:, BAG] = pts[:, side_wrist] + np.array([0.0, q.bag_side * 0.02, -0.08])
    elif q.bag_kind == "backpack":
        pts[:, BAG] = (neck + pelvis) / 2 + np.array([-0.13, 0.0, 0.04])
    else:
        pts[:, BAG] = pelvis
    return pts


def project(points: np.ndarray, view_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate to a CASIA-B style view and project with weak perspective.

    ``view_deg`` 0 means walking towards the camera, 90 a side view, 180 walking away.
    Returns image-plane points (u right, v down, body heights) and depth towards the camera.
    """
    a = np.deg2rad(view_deg)
    to_cam = np.array([np.cos(a), np.sin(a), 0.0])  # from walker to camera
    right = np.array([-np.sin(a), np.cos(a), 0.0])
    depth = points @ to_cam  # [t, p]
    scale = FAR / (FAR - depth)
    uv = np.stack([points @ right * scale, -points[..., 2] * scale], axis=-1)  # [t, p, 2]
    return uv, depth


def walking_speed(s: SubjectParams, q: SequenceParams) -> float:
    """Forward speed in body heights per second (two steps per cycle)."""
    step = 2 * s.leg * np.sin(s.stride)
    return float(2 * step * s.cadence * q.speed)
