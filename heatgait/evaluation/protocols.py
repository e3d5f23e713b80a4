"""The field's evaluation protocols, read from the recipe's ``eval`` section (EvalConfig).

``evaluate_embeddings`` turns test embeddings with their labels (subject id, type, view) into
a :class:`Result`: per probe set, rank-k (and mAP in re-id mode) in percent, the per-view
table, and the mean over probe sets. The numbers follow OpenGait's reference evaluator so
they compare with published tables:

- cross-view: every (probe view, gallery view) cell is a percentage rounded to 2 decimals;
  each probe view averages its cells over the other gallery views (identical views excluded);
  the probe set's value is the mean over probe views.
- re-id: rank-k, mAP and mINP over all probes at once, not rounded (CCPG's columns).
- retrieval: the same over the whole gallery, only a sequence facing itself removed (Gait3D:
  the split file's listed probes against every other test sequence; GREW's local protocol:
  probe type 02 against gallery 01, every probe counted, 2 decimals). No per-view table.

Beside rank-k every probe set gets verification metrics (``TAR@FAR=1%``, ``TAR@FAR=0.1%``,
``EER``, in percent) over the same probe/gallery pairs that rank-1 compares; which pairs
count as genuine and impostor in each mode is said in :mod:`heatgait.evaluation.pairs`.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from heatgait.config import EvalConfig
from heatgait.config.schema import EvalMode, MatchRule, UnmatchedRule
from heatgait.errors import UsageError
from heatgait.evaluation.distance import as_parts, to_part_major
from heatgait.evaluation.pairs import PAIR_RULES
from heatgait.evaluation.scoring import (
    ReidCounts,
    cell_accuracy,
    exclude_identical_views,
    score_probe_set,
)
from heatgait.evaluation.verification import VERIFICATION_KEYS, Verification, verify

MODES = typing.get_args(EvalMode)
MATCHES = typing.get_args(MatchRule)
UNMATCHED = typing.get_args(UnmatchedRule)
ANY_TYPE = "*"  # a type pattern that matches every type


@dataclass
class ProbeSetResult:
    """One probe set (a column of the paper's table) and its per-view detail."""

    name: str
    probe_types: list[str]
    gallery_types: list[str]
    metrics: dict[str, float]  # "rank1", "rank5", "mAP", "mINP" -> percent
    ranks: list[int]
    views: list[str]  # order of the rows/columns below
    cells: np.ndarray  # [v, v, r] rank-k per (probe view, gallery view), percent, NaN if empty
    per_view: np.ndarray  # [v, r] per probe view, identical views excluded (retrieval: v = 0)
    num_probes: int
    num_gallery: int
    num_skipped: int = 0  # re-id/retrieval: probes without a true match (skipped or missed)
    verification: Verification | None = None  # genuine/impostor pair counts and ROC points


@dataclass
class Result:
    """All probe sets of one evaluation and the mean the paper reports beside them."""

    protocol: str
    mode: str
    metrics: list[str]
    probe_sets: dict[str, ProbeSetResult]
    mean: dict[str, float]
    notes: list[str] = field(default_factory=list)  # caveats worth printing (missing cells ...)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: one entry per probe set, "mean", and "details" (per-view tables)."""
        out: dict[str, Any] = {name: _clean(ps.metrics) for name, ps in self.probe_sets.items()}
        out["mean"] = _clean(self.mean)
        out["details"] = {
            "protocol": self.protocol, "mode": self.mode, "notes": self.notes,
            "probe_sets": {name: {
                "probe_types": ps.probe_types, "gallery_types": ps.gallery_types,
                "num_probes": ps.num_probes, "num_gallery": ps.num_gallery,
                "num_skipped": ps.num_skipped, "views": ps.views,
                "per_view": {f"rank{k}": _clean(dict(zip(ps.views, ps.per_view[:, i].tolist())))
                             for i, k in enumerate(ps.ranks)},
                "cells_rank1": [[_number(x) for x in row] for row in ps.cells[:, :, 0].tolist()],
                **({"verification": {
                    "genuine_pairs": ps.verification.genuine_pairs,
                    "impostor_pairs": ps.verification.impostor_pairs,
                    "exact": ps.verification.exact, "roc": ps.verification.curve()}}
                   if ps.verification is not None else {}),
            } for name, ps in self.probe_sets.items()},
        }
        if any(ps.verification is not None for ps in self.probe_sets.values()):
            out["details"]["verification_pairs"] = PAIR_RULES.get(self.mode, "")
        return out


def _number(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _clean(values: dict[str, float]) -> dict[str, float | None]:
    return {key: _number(value) for key, value in values.items()}


def type_mask(types: np.ndarray, patterns: list[str], match: str) -> np.ndarray:
    """Sequences whose type equals (``exact``) or contains (``substring``) any pattern;
    the pattern ``"*"`` takes every type."""
    if ANY_TYPE in patterns:
        return np.ones(len(types), dtype=bool)
    if match == "exact":
        return np.isin(types, patterns)
    return np.any([np.char.find(types, p) >= 0 for p in patterns], axis=0) if patterns \
        else np.zeros(len(types), dtype=bool)


def view_labels(views: np.ndarray, sep: str) -> np.ndarray:
    """The view part the protocol compares: CCPG keeps what precedes the first ``sep``."""
    if not sep:
        return views
    return np.asarray([view.split(sep)[0] for view in views.tolist()])


def _check_config(config: EvalConfig) -> list[int]:
    if config.mode not in MODES:
        raise UsageError(f"eval.mode {config.mode!r}: use one of {', '.join(MODES)}")
    if config.match not in MATCHES:
        raise UsageError(f"eval.match {config.match!r}: use one of {', '.join(MATCHES)}")
    if config.unmatched not in UNMATCHED:
        raise UsageError(f"eval.unmatched {config.unmatched!r}: use one of "
                         f"{', '.join(UNMATCHED)}")
    if not config.probes:
        raise UsageError("eval.probes is empty: name at least one probe set in the recipe")
    unknown = [name for name in config.galleries if name not in config.probes]
    if unknown:
        raise UsageError(f"eval.galleries names {unknown[0]!r}, which is not in eval.probes "
                         f"({', '.join(config.probes)})")
    strays = [name for name in config.mean_over if name not in config.probes]
    if strays:
        raise UsageError(f"eval.mean_over names {strays[0]!r}, which is not in eval.probes "
                         f"({', '.join(config.probes)})")
    ranks = set(config.ranks)
    for metric in config.metrics:
        if metric.startswith("rank") and metric[4:].isdigit():
            ranks.add(int(metric[4:]))
        elif metric not in ("mAP", "mINP"):
            raise UsageError(f"eval.metrics {metric!r}: use rankK (rank1, rank5, ...), mAP or "
                             "mINP")
        elif config.mode == "cross-view":
            raise UsageError(f"eval.metrics {metric!r} needs eval.mode reid or retrieval "
                             "(cross-view reports rank-k per view pair)")
    if any(k < 1 for k in ranks):
        raise UsageError(f"eval.ranks {sorted(ranks)}: ranks start at 1")
    return sorted(ranks | {1})


def sequence_keys(labels: np.ndarray, types: np.ndarray, views: np.ndarray) -> np.ndarray:
    """``ID-TYPE-VIEW`` of each sequence: how Gait3D's PROBE_SET names its probes."""
    return np.char.add(np.char.add(np.char.add(np.char.add(labels, "-"), types), "-"), views)


def probe_and_gallery(name: str, labels: np.ndarray, types: np.ndarray, views: np.ndarray,
                      config: EvalConfig, listed: np.ndarray | None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays (probe, gallery) of probe set ``name``; ``listed`` [N] marks the split
    file's listed probes when the protocol has a ``probe_list``."""
    probe_types = config.probes[name]
    gallery_types = config.galleries.get(name, config.gallery)
    probe_mask = type_mask(types, probe_types, config.match)
    gallery_mask = type_mask(types, gallery_types, config.match)
    if listed is not None:
        probe_mask, gallery_mask = probe_mask & listed, gallery_mask & ~listed
    probe, gallery = np.flatnonzero(probe_mask), np.flatnonzero(gallery_mask)
    if len(probe) == 0:
        what = (f"listed in the split's {config.probe_list}" if listed is not None
                else f"of types {probe_types} ({config.match} match)")
        raise UsageError(f"probe set {name}: no sequences {what}; types present: "
                         f"{', '.join(sorted(set(types.tolist()))[:12])}")
    if len(gallery) == 0:
        raise UsageError(f"probe set {name}: gallery types {gallery_types} match no "
                         "sequence; check eval.gallery / eval.galleries in the recipe")
    return probe, gallery


def evaluate_embeddings(embeddings: Any, labels: Any, types: Any, views: Any,
                        config: EvalConfig, verification: bool = True,
                        probe_keys: Collection[str] | None = None) -> Result:
    """Scores embeddings [N, C, P] or [N, D] of labelled test sequences with a protocol.

    ``verification`` adds TAR@FAR=1%, TAR@FAR=0.1% and EER to every probe set's metrics,
    read from the same distances as rank-k (one distance matrix per probe set).
    ``probe_keys``: the sequences (``ID-TYPE-VIEW``) the split file lists as probes, needed
    when the protocol has a ``probe_list`` (Gait3D).
    """
    features = as_parts(embeddings)  # [n, c, p]
    labels, types, views = (np.asarray(x).astype(str) for x in (labels, types, views))
    lengths = {"embeddings": len(features), "labels": len(labels), "types": len(types),
               "views": len(views)}
    if len(set(lengths.values())) != 1:
        raise UsageError("embeddings and labels differ in length ("
                         + ", ".join(f"{k} {v}" for k, v in lengths.items()) + ")")
    ranks = _check_config(config)
    notes, listed = [config.note] if config.note else [], None
    if config.probe_list:
        if probe_keys is None:
            raise UsageError(f"protocol {config.protocol} takes its probes from the split "
                             f"file's {config.probe_list} list; give the recipe's split file")
        listed = np.isin(sequence_keys(labels, types, views), list(probe_keys))
        if int(listed.sum()) < len(set(probe_keys)):
            notes.append(f"{len(set(probe_keys)) - int(listed.sum())} of the "
                         f"{len(set(probe_keys))} probes listed in {config.probe_list} are "
                         "not among the test sequences")
    view_names, view_codes = np.unique(view_labels(views, config.view_prefix_sep),
                                       return_inverse=True)
    _, label_codes = np.unique(labels, return_inverse=True)
    part_major = to_part_major(features)  # once: each probe set takes its rows from it
    probe_sets: dict[str, ProbeSetResult] = {}
    table_views = [] if config.mode == "retrieval" else view_names.tolist()
    for name, probe_types in config.probes.items():
        probe, gallery = probe_and_gallery(name, labels, types, views, config, listed)
        scored = score_probe_set(features, label_codes, view_codes, probe, gallery,
                                 config.mode, len(view_names), ranks, config.chunk_size,
                                 verification, part_major)
        if scored.cross_view is not None:
            cells = cell_accuracy(scored.cross_view)  # [v, v, r]
            per_view = exclude_identical_views(cells)  # [v, r]
        else:
            cells, per_view = np.zeros((0, 0, len(ranks))), np.zeros((0, len(ranks)))
        if config.mode == "cross-view":
            metrics, skipped = _cross_view_metrics(per_view, ranks), 0
            if np.isnan(cells[~np.eye(len(view_names), dtype=bool)]).any():
                notes.append(f"{name}: some (probe view, gallery view) cells have no sequences "
                             "and were left out of the means")
        else:
            assert scored.reid is not None  # counted in every re-id and retrieval pass
            metrics, skipped = _reid_metrics(name, scored.reid, ranks, config, notes)
        if config.decimals is not None:
            metrics = {m: round(v, config.decimals) for m, v in metrics.items()}
        metrics = {m: metrics[m] for m in config.metrics if m in metrics} or metrics
        checked = None
        if scored.pairs is not None:
            checked = verify(*scored.pairs)
            metrics.update(checked.metrics)
            if checked.genuine_pairs == 0 or checked.impostor_pairs == 0:
                notes.append(f"{name}: no genuine or no impostor pairs, so no verification "
                             "metrics")
        probe_sets[name] = ProbeSetResult(
            name=name, probe_types=list(probe_types),
            gallery_types=list(config.galleries.get(name, config.gallery)),
            metrics=metrics, ranks=ranks, views=table_views, cells=cells,
            per_view=per_view, num_probes=len(probe), num_gallery=len(gallery),
            num_skipped=skipped, verification=checked)
    if len(view_names) < 2 and config.mode == "cross-view":
        notes.append("only one view: cross-view accuracy needs two or more views")
    reported = list(config.metrics) + (list(VERIFICATION_KEYS) if verification else [])
    return Result(protocol=config.protocol, mode=config.mode, metrics=reported,
                  probe_sets=probe_sets, mean=_mean(probe_sets, config), notes=notes)


def _cross_view_metrics(per_view: np.ndarray, ranks: list[int]) -> dict[str, float]:
    """Rank-k of a probe set: the mean over probe views of their off-diagonal means."""
    metrics: dict[str, float] = {}
    for i, k in enumerate(ranks):
        column = per_view[:, i]
        metrics[f"rank{k}"] = (float(np.mean(column[~np.isnan(column)]))
                               if (~np.isnan(column)).any() else math.nan)
    return metrics


def _reid_metrics(name: str, reid: ReidCounts, ranks: list[int], config: EvalConfig,
                  notes: list[str]) -> tuple[dict[str, float], int]:
    """Rank-k, mAP and mINP over the probes (``unmatched``: skip or count as misses)."""
    total = reid.valid + (reid.skipped if config.unmatched == "miss" else 0)
    if reid.valid == 0:
        raise UsageError(f"probe set {name}: no probe has a true match in its gallery"
                         + (" (other than its own view)" if config.mode == "reid" else ""))
    metrics = {f"rank{k}": float(reid.hits[i] * 100 / total) for i, k in enumerate(ranks)}
    metrics["mAP"] = reid.ap_sum * 100 / total
    metrics["mINP"] = reid.inp_sum * 100 / total
    if reid.skipped:
        how = "counted as misses" if config.unmatched == "miss" else "skipped"
        notes.append(f"{name}: {reid.skipped} probes had no true match and were {how}")
    return metrics, reid.skipped


def _mean(probe_sets: dict[str, ProbeSetResult], config: EvalConfig) -> dict[str, float]:
    names = [n for n in (config.mean_over or list(probe_sets)) if n in probe_sets]
    mean: dict[str, float] = {}
    for metric in next(iter(probe_sets.values())).metrics:
        values = [probe_sets[n].metrics[metric] for n in names]
        mean[metric] = float(np.mean(values)) if values else math.nan
    return mean
