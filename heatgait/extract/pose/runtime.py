"""Which runtime runs the pose network (``extract.runtime``, ``--runtime``), and its export.

``torch`` runs the mmpose model as built. ``onnx`` (onnxruntime) and ``openvino`` run a heatgait
pose export (``heatgait export --pose``): the one given as ``--pose-weights FILE.onnx`` (then
neither torch's mmpose nor mmcv is needed), or one written on first use from the mmpose model
into the model cache, keyed by the pose name and its weights (a random-weight model is exported
into a temporary folder each time). Both run on the CPU only.

``auto`` (the recipe's default) is :data:`CPU_ORDER`'s first installed runtime for an mmpose
model on the CPU at fp32, and torch elsewhere (CUDA, BlazePose, and random weights, which
tests build and which no cache can key). The order is measured: ``benchmarks/bench_extract.py``
on HRNet-W32 (benchmarks/README.md), where both ran faster than torch with heatmaps within
1e-6 of it. Reduced precision is opt-in: ``--precision bf16`` with openvino.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

from heatgait.config.stage1 import POSE_MODELS
from heatgait.errors import MissingDependencyError, UsageError
from heatgait.extract.runtimes.onnxfile import FILE_RUNTIMES, RUNTIMES, runtime_installed

CPU_ORDER = ("openvino", "onnx")  # fastest first (benchmarks/bench_extract.py)


def is_export(weights: str | None) -> bool:
    return bool(weights) and str(weights).endswith(".onnx")


def resolve_pose_runtime(runtime: str, pose: str, device: str, precision: str,
                         weights: str | None = None, random_init: bool = False) -> str:
    """``auto`` resolved (see the module doc); an explicit choice checked, then kept."""
    if runtime not in ("auto", *RUNTIMES):
        raise UsageError(f"unknown --runtime {runtime!r}; use auto, {', '.join(RUNTIMES)}")
    mmpose = pose not in POSE_MODELS or POSE_MODELS[pose].stack == "mmpose"
    cpu = str(device) == "cpu"
    if runtime == "auto":
        if is_export(weights):
            found = [r for r in CPU_ORDER if runtime_installed(r)]
            if not found:
                raise MissingDependencyError(f"--pose-weights {weights} is an ONNX export: "
                                             "pip install 'heatgait[onnx]' to run it")
            return found[0]
        if mmpose and cpu and precision in ("auto", "fp32") and not random_init:
            return next((r for r in CPU_ORDER if runtime_installed(r)), "torch")
        return "torch"
    if runtime == "torch" and is_export(weights):
        raise UsageError(f"--pose-weights {weights} is an ONNX export: use --runtime onnx or "
                         "openvino (or give the .pth checkpoint)")
    if runtime in FILE_RUNTIMES:
        if not mmpose:
            raise UsageError(f"--runtime {runtime}: --pose {pose} runs in its own runtime; use "
                             "--runtime auto or torch, or an mmpose model such as hrnet")
        if not cpu:
            raise UsageError(f"--runtime {runtime} runs on the CPU: add --device cpu, or use "
                             "--runtime torch on the GPU")
    return runtime


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
    from heatgait.extract.runtimes.model_cache import cache_dir, sha256_file

    if random_init:
        path = Path(tempfile.mkdtemp(prefix="heatgait-pose-")) / f"{Path(name).stem}.onnx"
    else:
        key = sha256_file(Path(weights)) if weights and Path(weights).is_file() else \
            hashlib.sha256(str(weights or "metafile").encode()).hexdigest()
        path = cache_dir() / "onnx" / f"{Path(name).stem}-{key[:16]}.onnx"
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
