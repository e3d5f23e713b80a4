"""What stage 1 needs from a person detector, and how to build one by name.

A small protocol decouples stage 1 from the model stacks: mmdet (``mmdet``, the paper's RTMDet)
and the offline BlazePose TFLite detector (``blazepose``); ``full-frame`` for footage already
cropped around one walker. The names and what they stand for are in ``heatgait.config.stage1``.
The stacks are imported only when built, so a missing optional stack breaks only that choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from heatgait.config.stage1 import DEFAULT_SCORE_THR, DETECTOR_MODELS, DETECTOR_NAMES
from heatgait.errors import UsageError
from heatgait.extract.runtimes.openmmlab import is_config_path


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


def default_score_threshold(detector: str) -> float:
    """The person-score threshold a detector is calibrated for (``config.stage1.DETECTOR_MODELS``):
    RTMDet 0.3 (the authors' extraction), BlazePose 0.5; 0.3 for an mmdet config path."""
    model = DETECTOR_MODELS.get(detector)
    return model.score_thr if model is not None else DEFAULT_SCORE_THR


def build_detector(name: str, weights: str | None = None, device: str = "cpu",
                   score_thr: float | None = None, nms_thr: float = 0.3,
                   random_init: bool = False, runtime: str = "torch") -> PersonDetector:
    """``rtmdet-person``, ``rtmdet-tiny``, ``blazepose``, ``full-frame`` or an mmdet config path;
    ``runtime`` as ``runtimes.choice.resolve_runtime`` (onnx, openvino: an ONNX export)."""
    from heatgait.extract.runtimes.choice import DETECTOR_CPU_ORDER, resolve_runtime

    if score_thr is None:
        score_thr = default_score_threshold(name)
    stack = DETECTOR_MODELS[name].stack if name in DETECTOR_MODELS else "mmdet"
    runtime = resolve_runtime(runtime, stack == "mmdet", str(device), "fp32", weights,
                              random_init, f"--det {name}", cpu_order=DETECTOR_CPU_ORDER)
    if runtime != "torch":
        from heatgait.extract.detection.exported import exported_detector

        return exported_detector(name, weights, runtime, score_thr, nms_thr, random_init)
    if stack == "none":
        return FullFrameDetector()
    if stack == "litert":
        from heatgait.extract.detection.blazepose import BlazePersonDetector

        return BlazePersonDetector(score_thr=score_thr, nms_thr=nms_thr)
    if name in DETECTOR_MODELS or is_config_path(name):
        from heatgait.extract.detection.mmdet import MMDetDetector

        return MMDetDetector.from_name(name, weights=weights, device=device, score_thr=score_thr,
                                       nms_thr=nms_thr, random_init=random_init)
    raise UsageError(f"unknown --det {name!r}; use one of {', '.join(DETECTOR_NAMES)} "
                     "or a path to an mmdet config (.py)")
