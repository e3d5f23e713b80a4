"""Partition strategies: which COCO-17 joints each local heatmap group fuses (paper eq. 5).

The authors did not publish their groups (their released code took raw channels 0 and 1, the
nose and left eye, as "groups"). heatgait's default splits the body in two, upper body
(joints 0-10: face, shoulders, arms) and lower body (11-16: hips, legs); other strategies are
lists of joint-index groups, named here or given explicitly in the recipe.
"""

from __future__ import annotations

from collections.abc import Sequence

from heatgait.data.schema import NUM_JOINTS
from heatgait.errors import ConfigError

PARTITIONS: dict[str, list[list[int]]] = {
    # upper body (face, shoulders, arms) / lower body (hips, legs): the default
    "upper-lower": [list(range(11)), list(range(11, 17))],
    # head / arms / legs
    "head-arms-legs": [list(range(5)), list(range(5, 11)), list(range(11, 17))],
    # left side / right side, head in both (COCO: odd = left, even = right)
    "left-right": [[0, 1, 3, 5, 7, 9, 11, 13, 15], [0, 2, 4, 6, 8, 10, 12, 14, 16]],
}
DEFAULT_PARTITION = "upper-lower"


def resolve_partitions(spec: str | Sequence[Sequence[int]] | None) -> list[list[int]]:
    """Turn a strategy name or explicit joint groups into validated groups of joint indices."""
    if spec is None:
        spec = DEFAULT_PARTITION
    if isinstance(spec, str):
        if spec not in PARTITIONS:
            known = ", ".join(sorted(PARTITIONS))
            raise ConfigError(f"unknown partition strategy {spec!r}; use one of: {known}")
        return [list(g) for g in PARTITIONS[spec]]
    return validate_partitions(spec)


def validate_partitions(groups: Sequence[Sequence[int]]) -> list[list[int]]:
    """Check that groups is a non-empty list of non-empty lists of joint indices in 0..16."""
    if isinstance(groups, (str, bytes)) or len(groups) == 0:
        raise ConfigError(
            f"partitions {groups!r} must be a non-empty list of joint-index groups, "
            "e.g. [[0, 1, ..., 10], [11, ..., 16]]"
        )
    out: list[list[int]] = []
    for k, group in enumerate(groups):
        if isinstance(group, (str, bytes, int)) or len(group) == 0:
            raise ConfigError(f"partition group {k} ({group!r}) must be a non-empty list of joints")
        for j in group:
            if isinstance(j, bool) or not isinstance(j, int) or not 0 <= j < NUM_JOINTS:
                raise ConfigError(
                    f"partition group {k} has joint {j!r}; joints are integers 0..{NUM_JOINTS - 1}"
                    " (COCO-17 order)"
                )
        out.append(list(group))
    return out
