"""The GaitHeat network: PGHA, shared ResNet9, global/local/fusion branches and heads."""

from heatgait.models.factory import VARIANTS, create_model, list_models
from heatgait.models.gaitheat import GaitHeat
from heatgait.models.partitions import PARTITIONS, resolve_partitions, validate_partitions

__all__ = [
    "PARTITIONS",
    "VARIANTS",
    "GaitHeat",
    "create_model",
    "list_models",
    "resolve_partitions",
    "validate_partitions",
]
