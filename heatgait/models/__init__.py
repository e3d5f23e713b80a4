"""The GaitHeat network: PGHA (``align``), shared ResNet9 (``backbone``), global/local/fusion
branches (``gaitheat``), heads, losses and the builder (``factory``); the named variants are
plain data in ``heatgait.config.variants``, where the recipe loader checks them without torch.
Loaded on first use."""

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
