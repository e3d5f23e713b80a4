"""A heatgait ONNX export opened in a runtime: onnxruntime (``onnx``) or OpenVINO, one interface.

An export (``heatgait export``, written by ``heatgait.export``) carries in its ONNX
``metadata_props`` what it is: ``heatgait.format`` (:data:`FORMAT`), ``heatgait.kind``
(``embedder``, ``pose`` or ``detector``) and JSON values (recipe, fingerprint, input contract,
pose preprocessing). :func:`read_metadata` reads them and refuses, in one line, a file that is
not an export or is of another kind. :func:`open_model` builds the session. The runtimes are
optional extras (``pip install heatgait[onnx]`` / ``[openvino]``), imported only here and only
when asked for; nothing on this path imports torch or mmcv.

OpenVINO on a CPU with bf16 picks bf16 by itself (``INFERENCE_PRECISION_HINT``): ``fp32`` here
sets f32 explicitly, so parity holds wherever the model runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import util as importlib_util
from pathlib import Path
from typing import Any

import numpy as np

from heatgait.errors import HeatgaitError, MissingDependencyError, UsageError

FORMAT = "heatgait-export"
FORMAT_VERSION = 1
RUNTIMES = ("torch", "onnx", "openvino")  # what --runtime accepts; torch is the native path
FILE_RUNTIMES = ("onnx", "openvino")  # the ones that run an exported file
EXTRAS = {"onnx": ("onnxruntime", "heatgait[onnx]"), "openvino": ("openvino", "heatgait[openvino]")}
PRECISIONS = ("fp32", "bf16")  # bf16: OpenVINO on a CPU that has it


def check_runtime(runtime: str, flag: str = "--runtime") -> str:
    if runtime not in RUNTIMES:
        raise UsageError(f"unknown {flag} {runtime!r}; use one of {', '.join(RUNTIMES)}")
    return runtime


def runtime_installed(runtime: str) -> bool:
    """Whether ``runtime``'s package is importable (torch always is)."""
    return runtime == "torch" or importlib_util.find_spec(EXTRAS[runtime][0]) is not None


def require_runtime(runtime: str) -> None:
    if not runtime_installed(runtime):
        package, extra = EXTRAS[runtime]
        raise MissingDependencyError(f"--runtime {runtime} needs {package}: pip install "
                                     f"'{extra}' (or --runtime torch)")


def read_metadata(path: str | Path, kind: str | None = None) -> dict[str, Any]:
    """The heatgait metadata of an ONNX file (JSON values decoded), checked to be an export of
    ``kind`` when given; one-line errors otherwise."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"model file {path}: no such file")
    if importlib_util.find_spec("onnx") is None:
        raise MissingDependencyError(f"reading {path} needs onnx: pip install 'heatgait[onnx]'")
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf's DecodeError and friends: not an ONNX file at all
        raise HeatgaitError(f"model file {path}: not an ONNX model ({type(exc).__name__}); "
                            "give a file written by heatgait export") from exc
    props = {p.key: p.value for p in model.metadata_props}
    if props.get("heatgait.format") != FORMAT:
        raise HeatgaitError(f"model file {path}: an ONNX model but not a heatgait export (no "
                            "heatgait metadata); write one with heatgait export")
    meta: dict[str, Any] = {}
    for key, value in props.items():
        if key.startswith("heatgait."):
            name = key[len("heatgait."):]
            meta[name] = json.loads(value) if name not in ("format", "kind") else value
    if kind is not None and meta.get("kind") != kind:
        raise HeatgaitError(f"model file {path}: a heatgait {meta.get('kind')} export, not "
                            f"the {kind} this needs")
    return meta


@dataclass
class ModelSession:
    """An export opened in a runtime: ``run(feeds) -> outputs`` as float32 numpy arrays."""

    path: Path
    runtime: str
    precision: str
    metadata: dict[str, Any] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    _run: Any = None

    def run(self, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        return [np.asarray(out, dtype=np.float32) for out in self._run(feeds)]


def open_model(path: str | Path, runtime: str, *, kind: str | None = None,
               precision: str = "fp32", threads: int | None = None) -> ModelSession:
    """Opens the export at ``path`` (checked by :func:`read_metadata`) in ``runtime``."""
    check_runtime(runtime)
    if runtime == "torch":
        raise UsageError(f"model file {path}: an ONNX export runs with --runtime onnx or "
                         "openvino, not torch (torch takes the run's checkpoint)")
    if precision not in PRECISIONS or (precision == "bf16" and runtime != "openvino"):
        raise UsageError(f"precision {precision!r} with --runtime {runtime}: use fp32 (bf16 "
                         "only with openvino)")
    require_runtime(runtime)
    meta = read_metadata(path, kind)
    session = ModelSession(Path(path), runtime, precision, meta)
    if runtime == "onnx":
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        sess = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        session.inputs = [i.name for i in sess.get_inputs()]
        session._run = lambda feeds: sess.run(None, feeds)
    else:
        import openvino as ov

        config: dict[str, Any] = {"INFERENCE_PRECISION_HINT": "f32" if precision == "fp32"
                                  else "bf16"}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        compiled = ov.Core().compile_model(str(path), "CPU", config)
        session.inputs = [i.get_any_name() for i in compiled.inputs]
        request = compiled.create_infer_request()

        def run(feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
            result = request.infer(feeds)
            return [result[out] for out in compiled.outputs]

        session._run = run
    return session
