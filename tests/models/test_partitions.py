"""Partition strategies: the default groups, named strategies and validation messages."""

from __future__ import annotations

import pytest

from heatgait.errors import ConfigError
from heatgait.models import PARTITIONS, resolve_partitions


def test_default_is_upper_and_lower_body() -> None:
    assert resolve_partitions(None) == [list(range(11)), list(range(11, 17))]


def test_named_strategies_cover_valid_joints() -> None:
    for name in PARTITIONS:
        groups = resolve_partitions(name)
        assert groups and all(groups) and all(0 <= j <= 16 for g in groups for j in g)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("upper", "unknown partition strategy"),
        ([], "non-empty list"),
        ([[0, 1], []], "group 1"),
        ([[0, 17]], "joint 17"),
        ([[-1]], "joint -1"),
        ([[0.5]], "joint 0.5"),
    ],
)
def test_invalid_partitions_are_rejected(spec: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_partitions(spec)  # type: ignore[arg-type]
