"""The pose network in an ONNX runtime: its export, from the cache or written now
(``runtimes.choice`` decides which runtime; this module builds the backend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heatgait.config.stage1 import POSE_MODELS
from heatgait.errors import UsageError
from heatgait.extract.runtimes.choice import export_path, is_export, resolve_runtime


def resolve_pose_runtime(runtime: str, pose: str, device: str, precision: str,
                         weights: str | None = None, random_init: bool = False) -> str:
    """``runtimes.choice.resolve_runtime`` for a pose model."""
    mmpose = pose not in POSE_MODELS or POSE_MODELS[pose].stack == "mmpose"
    return resolve_runtime(runtime, mmpose, device, precision, weights, random_init,
                           f"--pose {pose}")


def file_precision(precision: str, runtime: str) -> str:
    """The export's precision from ``extract.precision`` (auto/fp32 -> fp32, bf16 kept)."""
    if precision in ("auto", "fp32"):
        return "fp32"
    if precision == "bf16" and runtime == "openvino":
        return "bf16"
    raise UsageError(f"--precision {precision} with --runtime {runtime}: use fp32 (bf16 only "
                     "with openvino)")


def cached_export(name: str, weights: str | None, random_init: bool) -> Path:
    """The pose export of ``name`` with ``weights``: from the model cache, else written now."""
    from heatgait.extract.pose.export import export_pose
    from heatgait.extract.pose.mmpose import MMPoseBackend

    path = export_path("pose", name, weights, random_init)
    if path.is_file():
        return path
    backend = MMPoseBackend.from_name(name, weights=weights, device="cpu",
                                      random_init=random_init, precision="fp32")
    return export_pose(backend, path)


def build_exported_pose(name: str, weights: str | None, runtime: str, precision: str,
                        random_init: bool = False) -> Any:
    """The pose backend running an export of ``name`` in ``runtime`` (onnx, openvino)."""
    from heatgait.extract.pose.exported import ExportedPoseBackend

    path = Path(weights) if is_export(weights) else cached_export(name, weights, random_init)
    backend = ExportedPoseBackend(path, runtime, file_precision(precision, runtime))
    if name in POSE_MODELS and backend.name != name:
        raise UsageError(f"--pose-weights {weights} is an export of {backend.name}, not of "
                         f"--pose {name}: give --pose {backend.name} or that model's export")
    return backend
