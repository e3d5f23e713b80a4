"""The named GaitHeat variants, as plain data (no torch), so that recipes are checked at load.

A variant is a name, the settings it changes by default (``defaults``: a recipe may still set
them) and the settings that define it (``fixed``: a recipe that sets them otherwise is refused,
because the name would then describe another network). Everything a variant leaves alone takes
GaitHeat's own defaults, the paper's network (heatgait.models.gaitheat).
``heatgait.models.factory`` merges the three in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Variant:
    """What a variant name means on top of GaitHeat's defaults."""

    summary: str
    defaults: dict[str, Any] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)


VARIANTS: dict[str, Variant] = {
    "gaitheat": Variant("the paper's network: PGHA + global/local/fusion branches"),
    "gaitheat-nopgha": Variant("Table 5's ablation: the same network without pose-guided "
                               "heatmap alignment", fixed={"align": False}),
    "gaitheat-tiny": Variant("a narrow network for smoke tests and CPU runs",
                             defaults={"channels": [16, 32, 64, 128], "embed_dim": 64}),
}
VARIANT_NAMES = tuple(sorted(VARIANTS))


def conflicts(name: str, given: dict[str, Any]) -> list[str]:
    """Settings in ``given`` (not None) that contradict what defines variant ``name``."""
    variant = VARIANTS.get(name)
    if variant is None:
        return []
    return [f"model.{key}={given[key]!r} contradicts model.name={name} ({variant.summary}; "
            f"it fixes {key}={value!r})"
            for key, value in variant.fixed.items()
            if given.get(key) is not None and given[key] != value]
