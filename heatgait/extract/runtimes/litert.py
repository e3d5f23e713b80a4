"""Loading a BlazePose TFLite model into a LiteRT interpreter (``ai-edge-litert``, CPU).

Both offline models, the pose landmarks (``pose.blazepose``) and the person detector
(``detection.blazepose``), load the same way: the file is taken from the sha256-checked model
cache (or the path given), the interpreter's tensors are allocated once, and outputs are found
by their shape, not by their order in the file.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from heatgait.errors import MissingDependencyError
from heatgait.extract.runtimes.model_cache import ModelFile, resolve_model

QUIET_ENV = "HEATGAIT_QUIET"  # set by the CLI unless --verbose: hide native runtime chatter


def default_threads() -> int:
    """LiteRT's threads: ``OMP_NUM_THREADS`` where the process is given a thread budget (torch
    reads the same variable; under pytest-xdist every core already runs a worker, and two
    XNNPACK threads a worker then cost about 11 % more CPU time for the same frames), else 2."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "")))
    except ValueError:
        return 2


def load_interpreter(model: ModelFile, model_path: str | os.PathLike | None = None,
                     num_threads: int | None = None) -> Any:
    """A ready ``ai_edge_litert.interpreter.Interpreter`` for ``model`` (the cached file unless
    ``model_path`` is given; ``num_threads`` None: :func:`default_threads`); a one-line error
    naming the package when LiteRT is missing."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as exc:
        raise MissingDependencyError(
            "ai-edge-litert is not installed; `pip install ai-edge-litert` for --pose blazepose"
        ) from exc
    path = resolve_model(model, model_path)
    with _native_stderr_hidden(os.environ.get(QUIET_ENV, "") == "1"):
        threads = num_threads if num_threads is not None else default_threads()
        interpreter = Interpreter(model_path=str(path), num_threads=threads)
        interpreter.allocate_tensors()
    return interpreter


@contextlib.contextmanager
def _native_stderr_hidden(hide: bool) -> Iterator[None]:
    """LiteRT's C++ runtime prints "INFO: Created TensorFlow Lite XNNPACK delegate" straight
    to file descriptor 2 (no Python logging or warning to filter), so a quiet CLI hides that
    descriptor while the interpreter is built."""
    if not hide:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def input_index(interpreter: Any) -> int:
    """The tensor index of the model's (single) input."""
    return interpreter.get_input_details()[0]["index"]


def outputs_by_shape(interpreter: Any) -> dict[tuple[int, ...], int]:
    """Output tensor index by output shape, e.g. ``{(1, 2254, 12): 3, ...}``."""
    return {tuple(int(n) for n in o["shape"]): o["index"]
            for o in interpreter.get_output_details()}
