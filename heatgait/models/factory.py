"""Named model variants and the one function that builds them.

A variant is a name plus keyword arguments for GaitHeat; ``create_model`` merges overrides on
top (a typo in an override is a TypeError from GaitHeat's signature, surfaced as a UsageError).
"""

from __future__ import annotations

from typing import Any

from torch import nn

from heatgait.errors import UsageError
from heatgait.models.gaitheat import GaitHeat

VARIANTS: dict[str, dict[str, Any]] = {
    # the paper's network: PGHA + global/local/fusion branches
    "gaitheat": {},
    # Table 5's ablation: the same network without pose-guided heatmap alignment
    "gaitheat-nopgha": {"align": False},
    # a narrow network for smoke tests and CPU runs
    "gaitheat-tiny": {"channels": (16, 32, 64, 128), "embed_dim": 64},
}


def list_models() -> list[str]:
    """The known variant names, sorted."""
    return sorted(VARIANTS)


def create_model(name: str, num_classes: int, **overrides: Any) -> nn.Module:
    """Build variant ``name`` for ``num_classes`` training identities, with keyword overrides."""
    if name not in VARIANTS:
        raise UsageError(f"unknown model {name!r}; use one of: {', '.join(list_models())}")
    kwargs = {**VARIANTS[name], **overrides}
    try:
        return GaitHeat(num_classes, **kwargs)
    except TypeError as err:
        raise UsageError(
            f"model {name!r}: bad override ({err}); check the model arguments"
        ) from err
