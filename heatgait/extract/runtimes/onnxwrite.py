"""torch module -> ONNX file with heatgait's metadata, written durably.

The exporter is torch's own (``torch.onnx.export``, dynamo, its default opset). The legacy
TorchScript exporter (``dynamo=False``) is not used: it freezes the sequence length of the
embedder and fails on its boolean masks. Example inputs must have sizes >= 2 on every dynamic
axis: torch.export specialises sizes 0 and 1.

Metadata: ``heatgait.format``, ``heatgait.kind`` as plain strings, every other value as JSON
under ``heatgait.<name>`` (see ``onnxfile.read_metadata``). A model over 2 GB (ViTPose-H)
keeps its weights in ``NAME.data`` beside it; both are written into a temporary folder and
renamed into place, the weights first.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from heatgait import __version__
from heatgait.errors import HeatgaitError
from heatgait.extract.runtimes.onnxfile import FORMAT, FORMAT_VERSION
from heatgait.fileio import durable_replace


def metadata_props(kind: str, values: dict[str, Any]) -> dict[str, str]:
    """The ONNX metadata_props of an export of ``kind`` with JSON ``values``."""
    props = {"heatgait.format": FORMAT, "heatgait.kind": kind,
             "heatgait.format_version": json.dumps(FORMAT_VERSION),
             "heatgait.heatgait_version": json.dumps(__version__)}
    props.update({f"heatgait.{k}": json.dumps(v, sort_keys=True, default=str)
                  for k, v in values.items()})
    return props


def write_onnx(module: Any, args: tuple, out: str | Path, *, kind: str,
               metadata: dict[str, Any], input_names: list[str], output_names: list[str],
               dynamic_shapes: Any, kwargs: dict[str, Any] | None = None) -> Path:
    """Exports ``module`` called with ``args``/``kwargs`` to ``out`` (see the module doc)."""
    import torch

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # the exporter's deprecation chatter about its own API
        warnings.simplefilter("ignore")
        try:
            program = torch.onnx.export(module, args, kwargs=kwargs, input_names=input_names,
                                        output_names=output_names, dynamic_shapes=dynamic_shapes,
                                        dynamo=True, verbose=False)
        except Exception as exc:  # torch.export's many error types: one line, the cause kept
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise HeatgaitError(f"exporting the {kind} to ONNX failed: {type(exc).__name__}: "
                                f"{first[:300]}") from exc
    program.model.metadata_props.update(metadata_props(kind, metadata))
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        program.save(work / out.name)
        data = work / f"{out.name}.data"
        if data.exists():
            durable_replace(data, out.parent / data.name)
        durable_replace(work / out.name, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out
