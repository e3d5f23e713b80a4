"""The GaitHeat network: PGHA (``align``), shared ResNet9 (``backbone``), global/local/fusion
branches (``gaitheat``), heads, losses, named variants (``variants``, plain data) and the
builder (``factory``). Loaded on first use, so importing ``heatgait.config.variants`` (the
recipe loader does) does not import torch."""

from __future__ import annotations

from typing import Any

_LAZY = {
    "VARIANTS": "heatgait.config.variants",
    "build_model": "heatgait.models.factory",
    "create_model": "heatgait.models.factory",
    "list_models": "heatgait.models.factory",
    "model_settings": "heatgait.models.factory",
    "GaitHeat": "heatgait.models.gaitheat",
    "PARTITIONS": "heatgait.models.partitions",
    "resolve_partitions": "heatgait.models.partitions",
    "validate_partitions": "heatgait.models.partitions",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'heatgait.models' has no attribute {name!r}")
