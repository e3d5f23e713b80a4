"""Loading a BlazePose TFLite model into a LiteRT interpreter (``ai-edge-litert``, CPU).

Both offline models, the pose landmarks (``blazepose``) and the person detector
(``blazepose_detector``), load the same way: the file is taken from the sha256-checked model
cache (or the path given), the interpreter's tensors are allocated once, and outputs are found
by their shape, not by their order in the file.
"""

from __future__ import annotations

import os
from typing import Any

from heatgait.errors import MissingDependencyError
from heatgait.extract.model_cache import ModelFile, resolve_model


def load_interpreter(model: ModelFile, model_path: str | os.PathLike | None = None,
                     num_threads: int = 2) -> Any:
    """A ready ``ai_edge_litert.interpreter.Interpreter`` for ``model`` (the cached file unless
    ``model_path`` is given); a one-line error naming the package when LiteRT is missing."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as exc:
        raise MissingDependencyError(
            "ai-edge-litert is not installed; `pip install ai-edge-litert` for --pose blazepose"
        ) from exc
    path = resolve_model(model, model_path)
    interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
    interpreter.allocate_tensors()
    return interpreter


def input_index(interpreter: Any) -> int:
    """The tensor index of the model's (single) input."""
    return interpreter.get_input_details()[0]["index"]


def outputs_by_shape(interpreter: Any) -> dict[tuple[int, ...], int]:
    """Output tensor index by output shape, e.g. ``{(1, 2254, 12): 3, ...}``."""
    return {tuple(int(n) for n in o["shape"]): o["index"]
            for o in interpreter.get_output_details()}
