"""What stage 1 needs from a pose model, and how to build one by name.

A small protocol decouples stage 1 from the model stacks: mmpose (``mmpose``, the paper's
HRNet/ViTPose) and the offline BlazePose TFLite model (``blazepose``). The person detector's
counterpart is ``detection.detectors``; the names and what they stand for are in
``heatgait.config.stage1``. The stacks are imported only when built, so a missing optional
stack breaks only the choice that needs it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from heatgait.config.stage1 import POSE_MODELS, POSE_NAMES
from heatgait.errors import UsageError
from heatgait.extract.pose.accel import refuse_fixed_precision
from heatgait.extract.runtimes.openmmlab import is_config_path


@runtime_checkable
class PoseBackend(Protocol):
    """A top-down pose model that maps person crops to raw COCO-17 heatmaps."""

    name: str
    input_size: tuple[int, int]  # (h, w) = (256, 192)

    def __call__(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """crops [B, 256, 192, 3] uint8 RGB -> (heatmaps [B, 17, 64, 48] float32 in [0, 1],
        keypoints [B, 17, 3] float32: x, y in heatmap pixels, score in [0, 1])"""
        ...


def build_pose(name: str, weights: str | None = None, device: str = "cpu",
               random_init: bool = False, precision: str = "auto",
               runtime: str = "torch") -> PoseBackend:
    """``hrnet``, ``vitpose[-h|-l|-b|-s]``, ``blazepose`` or a path to an mmpose config;
    ``precision`` as ``accel.resolve_precision`` (fixed-precision LiteRT: auto or fp32 only);
    ``runtime`` as ``runtime.resolve_pose_runtime`` (onnx, openvino: an ONNX export)."""
    from heatgait.extract.pose.runtime import build_exported_pose, resolve_pose_runtime

    runtime = resolve_pose_runtime(runtime, name, str(device), precision, weights, random_init)
    if runtime != "torch":
        return build_exported_pose(name, weights, runtime, precision, random_init)
    if name in POSE_MODELS and POSE_MODELS[name].stack == "litert":
        from heatgait.extract.pose.blazepose import BlazePoseBackend

        refuse_fixed_precision(precision, name)
        return BlazePoseBackend(model_path=weights)
    if name in POSE_MODELS or is_config_path(name):
        from heatgait.extract.pose.mmpose import MMPoseBackend

        return MMPoseBackend.from_name(name, weights=weights, device=device,
                                       random_init=random_init, precision=precision)
    raise UsageError(f"unknown --pose {name!r}; use one of {', '.join(POSE_NAMES)} "
                     "or a path to an mmpose config (.py)")
