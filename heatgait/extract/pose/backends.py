"""What stage 1 needs from a pose model and a person detector, and how to build one by name.

Two small protocols decouple stage 1 from the model stacks: mmpose/mmdet (``mm_backends``, the
paper's HRNet/ViTPose + RTMDet) and the offline BlazePose TFLite models (``blazepose``,
``blazepose_detector``). The names and what they stand for are in ``names``. The stacks are
imported only when built, so a missing optional stack breaks only the choice that needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from heatgait.config.stage1 import (
    DEFAULT_SCORE_THR,
    DETECTOR_MODELS,
    DETECTOR_NAMES,
    POSE_MODELS,
    POSE_NAMES,
)
from heatgait.errors import UsageError
from heatgait.extract.pose.accel import refuse_fixed_precision


@runtime_checkable
class PoseBackend(Protocol):
    """A top-down pose model that maps person crops to raw COCO-17 heatmaps."""

    name: str
    input_size: tuple[int, int]  # (h, w) = (256, 192)

    def __call__(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """crops [B, 256, 192, 3] uint8 RGB -> (heatmaps [B, 17, 64, 48] float32 in [0, 1],
        keypoints [B, 17, 3] float32: x, y in heatmap pixels, score in [0, 1])"""
        ...


@runtime_checkable
class PersonDetector(Protocol):
    """A person detector over whole frames that returns its final person boxes.

    Score threshold and NMS are the detector's own last step (``boxes.filter_people``); stage 1
    takes the boxes as they come.
    """

    name: str

    def __call__(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        """RGB uint8 [H, W, 3] frames -> per frame boxes [n, 5] (x1, y1, x2, y2, score),
        best score first"""
        ...


@dataclass
class FullFrameDetector:
    """The whole frame is the person: for footage already cropped around one walker."""

    name: str = "full-frame"

    def __call__(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        return [np.array([[0.0, 0.0, f.shape[1], f.shape[0], 1.0]], dtype=np.float32)
                for f in frames]


def _is_config_path(name: str) -> bool:
    return name.endswith(".py") or Path(name).is_file()


def build_pose(name: str, weights: str | None = None, device: str = "cpu",
               random_init: bool = False, precision: str = "auto") -> PoseBackend:
    """``hrnet``, ``vitpose[-h|-l|-b|-s]``, ``blazepose`` or a path to an mmpose config;
    ``precision`` as ``accel.resolve_precision`` (fixed-precision LiteRT: auto or fp32 only)."""
    if name in POSE_MODELS and POSE_MODELS[name].stack == "litert":
        from heatgait.extract.pose.blazepose import BlazePoseBackend

        refuse_fixed_precision(precision, name)
        return BlazePoseBackend(model_path=weights)
    if name in POSE_MODELS or _is_config_path(name):
        from heatgait.extract.pose.mmpose import MMPoseBackend

        return MMPoseBackend.from_name(name, weights=weights, device=device,
                                       random_init=random_init, precision=precision)
    raise UsageError(f"unknown --pose {name!r}; use one of {', '.join(POSE_NAMES)} "
                     "or a path to an mmpose config (.py)")


def default_score_threshold(detector: str) -> float:
    """The person-score threshold a detector is calibrated for (``names.DETECTOR_MODELS``):
    RTMDet 0.3 (the authors' extraction), BlazePose 0.5; 0.3 for an mmdet config path."""
    model = DETECTOR_MODELS.get(detector)
    return model.score_thr if model is not None else DEFAULT_SCORE_THR


def build_detector(name: str, weights: str | None = None, device: str = "cpu",
                   score_thr: float | None = None, nms_thr: float = 0.3,
                   random_init: bool = False) -> PersonDetector:
    """``rtmdet-person``, ``rtmdet-tiny``, ``blazepose``, ``full-frame`` or an mmdet config path."""
    if score_thr is None:
        score_thr = default_score_threshold(name)
    stack = DETECTOR_MODELS[name].stack if name in DETECTOR_MODELS else "mmdet"
    if stack == "none":
        return FullFrameDetector()
    if stack == "litert":
        from heatgait.extract.detection.blazepose import BlazePersonDetector

        return BlazePersonDetector(score_thr=score_thr, nms_thr=nms_thr)
    if name in DETECTOR_MODELS or _is_config_path(name):
        from heatgait.extract.pose.mmpose import MMDetDetector

        return MMDetDetector.from_name(name, weights=weights, device=device, score_thr=score_thr,
                                       nms_thr=nms_thr, random_init=random_init)
    raise UsageError(f"unknown --det {name!r}; use one of {', '.join(DETECTOR_NAMES)} "
                     "or a path to an mmdet config (.py)")
