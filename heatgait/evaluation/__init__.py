"""Stage 2, last step: test embeddings -> the field's protocols -> the paper's results table.

``protocols`` (evaluate_embeddings, Result), ``scoring``/``pairs``/``distance`` and
``embedfile`` (the saved embeddings) need only numpy; ``embed`` imports torch, so it loads on
first use (``run`` imports it inside ``evaluate_checkpoint``).
"""

from __future__ import annotations

from typing import Any

from heatgait.evaluation.protocols import ProbeSetResult, Result, evaluate_embeddings
from heatgait.evaluation.report import format_table, save_heat_table, write_json

_LAZY = {
    "embed_sequences": "heatgait.evaluation.embed",
    "save_embeddings": "heatgait.evaluation.embedfile",
    "load_embeddings": "heatgait.evaluation.embedfile",
    "evaluate_checkpoint": "heatgait.evaluation.run",
    "evaluate_file": "heatgait.evaluation.run",
    "parse_cross": "heatgait.evaluation.cross",
}

__all__ = [
    "ProbeSetResult",
    "Result",
    "embed_sequences",
    "evaluate_checkpoint",
    "evaluate_embeddings",
    "evaluate_file",
    "format_table",
    "load_embeddings",
    "parse_cross",
    "save_embeddings",
    "save_heat_table",
    "write_json",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'heatgait.evaluation' has no attribute {name!r}")
