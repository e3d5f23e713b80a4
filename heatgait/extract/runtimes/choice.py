"""Which runtime runs an mmpose/mmdet network of stage 1 (``extract.runtime``, ``--runtime``).

``torch`` runs the OpenMMLab model as built. ``onnx`` (onnxruntime) and ``openvino`` run a
heatgait export of it (``heatgait export --pose / --det``): the one given as weights
(``FILE.onnx``: then neither mmpose, mmdet nor mmcv is needed), or one written on first use
into the model cache, keyed by the model name and its weights (a random-weight model is
exported into a temporary folder each time). Both run on the CPU only.

The choice is for the OpenMMLab networks only: BlazePose (LiteRT) and the full-frame
"detector" run as they always do, so one ``--runtime onnx`` serves a stage 1 of an exported
pose model beside the BlazePose detector. ``auto`` (the recipe's default) is, on the CPU at
fp32, :data:`CPU_ORDER`'s first installed runtime for the pose network and
:data:`DETECTOR_CPU_ORDER`'s for the detector, and torch elsewhere (CUDA, the LiteRT BlazePose
models, and random weights, which tests build and which no cache can key). The orders are
measured: ``benchmarks/bench_extract.py --runtimes`` (benchmarks/README.md), idle: OpenVINO ran
HRNet-W32 1.23x faster than torch with heatmaps within 1e-8 of it; the exported RTMDet-nano ran
at 142 frames/s in onnxruntime, 127 in OpenVINO and 66 in torch, each at the threshold stage 1
uses. Reduced precision is opt-in (``--precision bf16`` with openvino, or an int8 export given
as ``--pose-weights``: ``extract.pose.quantize``).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from heatgait.errors import MissingDependencyError, UsageError
from heatgait.extract.runtimes.onnxfile import FILE_RUNTIMES, RUNTIMES, runtime_installed

CPU_ORDER = ("openvino", "onnx")  # the pose network's, fastest first
# The detector's. An earlier bench ran both detectors at score threshold 0.0, where random
# weights put thousands of candidates a frame through the export's host NMS and made it look
# 4.5x slower than torch; at stage 1's own threshold the export is the faster.
DETECTOR_CPU_ORDER: tuple[str, ...] = ("onnx", "openvino")


def is_export(weights: str | None) -> bool:
    return bool(weights) and str(weights).endswith(".onnx")


def resolve_runtime(runtime: str, openmmlab: bool, device: str, precision: str,
                    weights: str | None, random_init: bool, what: str,
                    cpu_order: tuple[str, ...] = CPU_ORDER) -> str:
    """``auto`` resolved (see the module doc); an explicit choice checked, then kept.
    ``what`` names the model in messages (``--pose hrnet``); ``cpu_order`` is what ``auto``
    tries on the CPU, fastest first (the detector's: :data:`DETECTOR_CPU_ORDER`)."""
    if runtime not in ("auto", *RUNTIMES):
        raise UsageError(f"unknown --runtime {runtime!r}; use auto, {', '.join(RUNTIMES)}")
    cpu = str(device) == "cpu"
    if not openmmlab:  # BlazePose (LiteRT), the full frame: their own runtime, whatever asked
        return "torch"
    if runtime == "auto":
        if is_export(weights):
            found = [r for r in cpu_order or CPU_ORDER if runtime_installed(r)]
            if not found:
                raise MissingDependencyError(f"{what}: {weights} is an ONNX export; pip "
                                             "install 'heatgait[onnx]' to run it")
            return found[0]
        if cpu and precision in ("auto", "fp32") and not random_init:
            return next((r for r in cpu_order if runtime_installed(r)), "torch")
        return "torch"
    if runtime == "torch" and is_export(weights):
        raise UsageError(f"{what}: {weights} is an ONNX export: use --runtime onnx or "
                         "openvino (or give the .pth checkpoint)")
    if runtime in FILE_RUNTIMES:
        if not cpu:
            raise UsageError(f"--runtime {runtime} runs on the CPU: add --device cpu, or use "
                             "--runtime torch on the GPU")
    return runtime


def export_path(kind: str, name: str, weights: str | None, random_init: bool) -> Path:
    """Where the export of ``name`` with ``weights`` lives in the model cache (a temporary
    folder for random weights)."""
    from heatgait.extract.runtimes.model_cache import cache_dir, sha256_file

    stem = Path(name).stem
    if random_init:
        return Path(tempfile.mkdtemp(prefix=f"heatgait-{kind}-")) / f"{stem}.onnx"
    key = sha256_file(Path(weights)) if weights and Path(weights).is_file() else \
        hashlib.sha256(str(weights or "metafile").encode()).hexdigest()
    return cache_dir() / "onnx" / f"{kind}-{stem}-{key[:16]}.onnx"
