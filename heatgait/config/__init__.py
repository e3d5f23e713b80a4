"""Typed recipes: YAML files in ``pipelines/`` loaded into dataclasses (``schema``) by a strict
loader with ``base:`` inheritance and ``--set`` overrides (``loading``)."""

from heatgait.config.loading import (
    apply_override,
    builtin_recipes,
    find_recipe,
    load_recipe,
    read_layers,
    recipe_from_dict,
    recipe_summary,
    recipe_to_dict,
    save_recipe,
)
from heatgait.config.schema import (
    SECTIONS,
    DataConfig,
    EvalConfig,
    ExtractConfig,
    ModelConfig,
    OneOf,
    Recipe,
    StreamConfig,
    TrainConfig,
    choice_of,
)

__all__ = [
    "SECTIONS", "DataConfig", "EvalConfig", "ExtractConfig", "ModelConfig", "OneOf", "Recipe",
    "StreamConfig", "TrainConfig", "apply_override", "builtin_recipes", "choice_of", "find_recipe",
    "load_recipe", "read_layers", "recipe_from_dict", "recipe_summary", "recipe_to_dict",
    "save_recipe",
]
