"""Who walks and under which condition: the random parameters of the synthetic gait data set.

Identity lives in ``SubjectParams`` (body proportions and how the body moves), drawn once per
subject from the data set seed. Everything a condition or a recording changes (a bag, a coat,
a tilted camera, a loose detector box, the start phase, a slightly different walking speed on
the day) lives in ``SequenceParams``, drawn per sequence. Keeping the two apart is what makes
the generator a fair test: conditions change appearance, never the subject.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONDITIONS = ("nm", "bg", "cl")


@dataclass(frozen=True)
class SubjectParams:
    """Body proportions (fractions of body height) and gait style of one synthetic subject."""

    leg: float  # hip-to-ankle length
    thigh_ratio: float  # thigh share of the leg
    torso: float  # hip-to-shoulder height
    arm: float  # shoulder-to-wrist length
    upper_arm_ratio: float  # upper-arm share of the arm
    shoulder_width: float
    hip_width: float
    head: float  # head size
    build: float  # half-width of the body shade around the limbs
    stride: float  # hip flexion amplitude (rad)
    cadence: float  # gait cycles per second
    knee_flex: float  # peak knee flexion in swing (rad)
    knee_stance: float  # knee flexion at heel strike / stance (rad)
    arm_swing: float  # shoulder flexion amplitude (rad)
    elbow_bend: float  # mean elbow flexion (rad)
    arm_abduction: float  # arms held away from the body (rad)
    trunk_lean: float  # forward lean of the trunk (rad)
    head_bob: float  # vertical pelvis oscillation (fraction of height)
    sway: float  # lateral pelvis sway (fraction of height)
    pelvis_turn: float  # pelvis rotation about the vertical axis (rad)
    toe_out: float  # feet turned out (rad)
    asymmetry: float  # left/right difference of the swing amplitudes (fraction)


def draw_subject(rng: np.random.Generator) -> SubjectParams:
    """Draw one subject; ranges follow adult anthropometry and gait-lab norms (rough)."""
    u = rng.uniform
    return SubjectParams(
        leg=u(0.42, 0.54),
        thigh_ratio=u(0.47, 0.55),
        torso=u(0.26, 0.34),
        arm=u(0.36, 0.44),
        upper_arm_ratio=u(0.50, 0.58),
        shoulder_width=u(0.18, 0.29),
        hip_width=u(0.12, 0.21),
        head=u(0.11, 0.14),
        build=u(0.022, 0.06),
        stride=u(0.30, 0.50),
        cadence=u(0.80, 1.05),
        knee_flex=u(0.80, 1.25),
        knee_stance=u(0.05, 0.30),
        arm_swing=u(0.15, 0.60),
        elbow_bend=u(0.10, 0.60),
        arm_abduction=u(0.02, 0.20),
        trunk_lean=u(-0.03, 0.15),
        head_bob=u(0.008, 0.025),
        sway=u(0.005, 0.025),
        pelvis_turn=u(0.0, 0.15),
        toe_out=u(0.0, 0.25),
        asymmetry=u(-0.15, 0.15),
    )


@dataclass(frozen=True)
class SequenceParams:
    """What one recording adds to a subject: condition, camera, detector and day-to-day noise."""

    condition: str  # "nm", "bg" or "cl"
    view_deg: float  # 0 = walking towards the camera, 90 = side view, 180 = walking away
    phase0: float  # gait phase at the first frame (rad)
    speed: float  # cadence multiplier of the day
    day_noise: float  # relative jitter applied to the subject's proportions and style
    tilt_deg: float  # camera roll: the whole person appears rotated in the crop
    offset: tuple[float, float]  # (dx, dy) heatmap pixels: detector box off the person's centre
    bag_kind: str  # "" | "shoulder" | "hand" | "backpack"
    bag_side: int  # +1 left, -1 right
    coat: float  # 0 = no coat, else coat looseness (fraction of height)
    image_scale: float  # pixels per body height in the source image
    seed: int  # seed of the frame-level noise (misses, jitter, background)


def draw_sequence(
    rng: np.random.Generator,
    condition: str,
    view_deg: float,
    *,
    tilt_deg: float = 20.0,
    tilt_fraction: float = 0.1,
    offset_px: float = 2.0,
    offset_fraction: float = 0.3,
) -> SequenceParams:
    """Draw the per-recording parameters; ``tilt_deg``/``offset_px`` bound the camera faults.

    A ``tilt_fraction`` of sequences get a roll of 3..``tilt_deg`` degrees (either sign), an
    ``offset_fraction`` get the box off-centre by up to ``offset_px`` heatmap pixels.
    """
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; use one of {CONDITIONS}")
    tilt = 0.0
    if tilt_deg > 0 and rng.random() < tilt_fraction:
        tilt = float(rng.uniform(min(3.0, tilt_deg), tilt_deg) * rng.choice([-1.0, 1.0]))
    offset = (0.0, 0.0)
    if offset_px > 0 and rng.random() < offset_fraction:
        radius, angle = offset_px * np.sqrt(rng.random()), rng.uniform(0, 2 * np.pi)
        offset = (float(radius * np.cos(angle)), float(radius * np.sin(angle)))
    bag_kind = str(rng.choice(["shoulder", "hand", "backpack"])) if condition == "bg" else ""
    return SequenceParams(
        condition=condition,
        view_deg=float(view_deg),
        phase0=float(rng.uniform(0, 2 * np.pi)),
        speed=float(rng.uniform(0.95, 1.05)),
        day_noise=0.02,
        tilt_deg=tilt,
        offset=offset,
        bag_kind=bag_kind,
        bag_side=int(rng.choice([-1, 1])),
        coat=float(rng.uniform(0.04, 0.09)) if condition == "cl" else 0.0,
        image_scale=float(rng.uniform(110, 170)),
        seed=int(rng.integers(0, 2**31 - 1)),
    )


def perturb(subject: SubjectParams, rng: np.random.Generator, rel: float) -> SubjectParams:
    """The subject as seen on one day: every parameter jittered by about ``rel`` (relative)."""
    values = {k: v * (1.0 + rel * rng.standard_normal()) for k, v in vars(subject).items()}
    return SubjectParams(**values)
