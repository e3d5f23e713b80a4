"""Building the recipe's network: the one place where model settings meet their defaults.

``model_settings`` fills a recipe's ``model`` section, in this order of precedence: what the
recipe sets, then the variant's own defaults (heatgait.config.variants), then GaitHeat's
signature (the paper's network). A setting that contradicts what defines the variant is refused
when the recipe loads (ModelConfig). Training saves the filled section, so the recipe in a run
folder and in every checkpoint says exactly which network was built.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from torch import nn

from heatgait.config import ModelConfig
from heatgait.config.variants import VARIANTS
from heatgait.errors import UsageError
from heatgait.models.gaitheat import GaitHeat
from heatgait.models.partitions import resolve_partitions

_SETTINGS = [f.name for f in dataclasses.fields(ModelConfig) if f.name != "name"]


def list_models() -> list[str]:
    """The known variant names, sorted."""
    return sorted(VARIANTS)


def _gaitheat_defaults() -> dict[str, Any]:
    params = inspect.signature(GaitHeat).parameters
    return {name: params[name].default for name in _SETTINGS}


def model_settings(config: ModelConfig) -> ModelConfig:
    """The section with every setting filled: given > variant default > GaitHeat default."""
    if config.name not in VARIANTS:
        raise UsageError(f"unknown model {config.name!r}; use one of: {', '.join(list_models())}")
    variant = VARIANTS[config.name]
    filled = {**_gaitheat_defaults(), **variant.defaults, **variant.fixed}
    for name in _SETTINGS:
        value = getattr(config, name)
        if value is not None:
            filled[name] = value
    filled["channels"] = [int(c) for c in filled["channels"]]
    filled["partitions"] = resolve_partitions(filled["partitions"])
    return ModelConfig(name=config.name, **{name: filled[name] for name in _SETTINGS})


def build_model(config: ModelConfig, num_classes: int) -> nn.Module:
    """The recipe's network for ``num_classes`` training identities."""
    settings = model_settings(config)
    kwargs = {name: getattr(settings, name) for name in _SETTINGS}
    kwargs["channels"] = tuple(kwargs["channels"])
    return GaitHeat(num_classes, **kwargs)


def create_model(name: str, num_classes: int, **settings: Any) -> nn.Module:
    """Build variant ``name`` with keyword settings (those of the recipe's ``model`` section)."""
    unknown = sorted(set(settings) - set(_SETTINGS))
    if unknown:
        raise UsageError(f"model {name!r}: bad override {unknown[0]!r}; the settings are "
                         f"{', '.join(_SETTINGS)}")
    if name not in VARIANTS:
        raise UsageError(f"unknown model {name!r}; use one of: {', '.join(list_models())}")
    values = {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}
    return build_model(ModelConfig(name=name, **values), num_classes)
