"""Results JSONs (``heatgait eval --json``) read as table cells: which row, which columns.

A results JSON holds one evaluation: probe-set names -> {rank1, mAP, ...}, "mean", and
"details" with the protocol and provenance. It fills the cells of a paper table whose
columns have its (train, test) data set pair and whose row has its variant:

- test data set: ``details.protocol`` (casia-b -> CA, ccpg -> CC, sustech1k -> SU);
- train data set: the source of ``details.cross`` ("CC->CA", "CC:CA"), else ``details.source``
  (the trained recipe's data code), else the test data set (a same-domain evaluation); a cross
  target that is not the protocol's data set is an error;
- row (variant): ``details.variant`` when present (gaitheat, gaitheat++, regenerated,
  no-pgha); else from the trained recipe's settings when the JSON carries them:
  ``details.heatmaps`` "regenerated" -> regenerated, ``details.pgha`` false -> no-pgha,
  ``details.pose`` vitpose* -> gaitheat++; otherwise gaitheat. A caller may impose a variant.
- values: column (probe, metric) <- ``json[probe][metric]``; the "mean" column <- ``json["mean"]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heatgait.errors import UsageError
from heatgait.reproduce.paper import DATASETS, PROTOCOL_CODES, ROW_VARIANTS

_NOT_PROBES = ("mean", "details")
_FIX = "write one with `heatgait eval ... --json FILE`"


@dataclass
class ResultsFile:
    """One results JSON, placed: its data set pair, its variant, its numbers."""

    path: Path
    protocol: str
    train: str  # data set code the model was trained on
    test: str  # data set code it was evaluated on
    variant: str
    values: dict[tuple[str, str], float | None]  # (probe set or "mean", metric) -> percent
    recipe: str = ""  # provenance, for the report's notes
    pose: str = ""
    probes: list[str] = field(default_factory=list)

    @property
    def pair(self) -> tuple[str, str]:
        return self.train, self.test


def parse_cross(text: str, path: Path) -> tuple[str, str]:
    """'CC->CA' / 'CC:CA' -> ('CC', 'CA'); UsageError naming the file otherwise."""
    parts = [p.strip().upper() for p in re.split(r"->|:|>", text)]
    if len(parts) != 2 or not all(p in DATASETS for p in parts):
        raise UsageError(f"{path}: details.cross {text!r} is not SOURCE->TARGET with codes "
                         f"{', '.join(DATASETS)}")
    return parts[0], parts[1]


def variant_of(details: dict[str, Any], path: Path) -> str:
    """The paper row a result belongs to, from its provenance (see the module docstring)."""
    explicit = details.get("variant")
    if explicit:
        if explicit not in ROW_VARIANTS:
            raise UsageError(f"{path}: details.variant {explicit!r} is not one of "
                             f"{', '.join(ROW_VARIANTS)}")
        return str(explicit)
    regenerated = str(details.get("heatmaps") or "raw") == "regenerated"
    pgha = details.get("pgha", True) not in (False, "false", "off", 0)
    vitpose = str(details.get("pose") or "").lower().startswith("vitpose")
    if (regenerated, pgha, vitpose) == (True, True, False):
        return "regenerated"
    if (regenerated, pgha, vitpose) == (False, False, False):
        return "no-pgha"
    if (regenerated, pgha) == (False, True):
        return "gaitheat++" if vitpose else "gaitheat"
    pose = "ViTPose" if vitpose else "HRNet"
    return (f"{pose} heatmaps{', regenerated' if regenerated else ''}"
            f"{', no PGHA' if not pgha else ''}")  # no row of the paper: matched by no table


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"{path}: no such results file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"{path}: not a results JSON ({reason}); {_FIX}") from None
    details = data.get("details") if isinstance(data, dict) else None
    if not isinstance(details, dict) or not isinstance(details.get("protocol"), str):
        raise UsageError(f"{path}: not a results JSON (no details.protocol); {_FIX}")
    return data


def _values(data: dict[str, Any], path: Path) -> dict[tuple[str, str], float | None]:
    values: dict[tuple[str, str], float | None] = {}
    for probe, metrics in data.items():
        if probe == "details":
            continue
        if not isinstance(metrics, dict):
            raise UsageError(f"{path}: not a results JSON (entry {probe!r} is not a mapping of "
                             f"metrics); {_FIX}")
        for metric, value in metrics.items():
            if value is not None and not isinstance(value, (int, float)):
                raise UsageError(f"{path}: {probe}.{metric} = {value!r} is not a number")
            values[(probe, str(metric))] = None if value is None else float(value)
    return values


def read_results(path: str | Path, variant: str | None = None) -> ResultsFile:
    """One results JSON, validated and placed; ``variant`` overrides its provenance."""
    path = Path(path)
    data = _load(path)
    details = data["details"]
    protocol = details["protocol"]
    if protocol not in PROTOCOL_CODES:
        raise UsageError(f"{path}: results of protocol {protocol!r}; the paper's tables take "
                         f"{', '.join(PROTOCOL_CODES)}")
    test = PROTOCOL_CODES[protocol]
    cross = str(details.get("cross") or "")
    if cross:
        train, target = parse_cross(cross, path)
        if target != test:
            raise UsageError(f"{path}: cross {cross!r} evaluates on {target}, but the results "
                             f"are of protocol {protocol} ({test})")
    else:
        train = str(details.get("source") or test).upper()
        if train not in DATASETS:
            raise UsageError(f"{path}: details.source {train!r} is not one of "
                             f"{', '.join(DATASETS)}")
    if variant is not None and variant not in ROW_VARIANTS:
        raise UsageError(f"variant {variant!r}: use one of {', '.join(ROW_VARIANTS)}")
    return ResultsFile(
        path=path, protocol=protocol, train=train, test=test,
        variant=variant or variant_of(details, path), values=_values(data, path),
        recipe=str(details.get("model_recipe") or details.get("recipe") or ""),
        pose=str(details.get("pose") or ""),
        probes=[k for k in data if k not in _NOT_PROBES])


def results_paths(paths: Sequence[str | Path]) -> tuple[list[Path], set[Path]]:
    """(every results file, those found in folders): files named and folders' ``*.json``."""
    found: list[Path] = []
    in_folders: set[Path] = set()
    for item in map(Path, paths):
        if item.is_dir():
            inside = sorted(item.glob("*.json"))
            if not inside:
                raise UsageError(f"{item}: folder holds no .json results files")
            found.extend(inside)
            in_folders.update(inside)
        else:
            found.append(item)
    return found, in_folders
