"""The fairness check of the synthetic set: a non-learned nearest-neighbour baseline.

Each sequence becomes one image (max over the 17 channels, mean over time: a "gait energy
image" of heatmaps), flattened and L2-normalised; probes are matched to the gallery by
Euclidean distance and scored by the real evaluator (heatgait.evaluation) with the CASIA-B
cross-view protocol of the shipped recipe. A good synthetic set puts this clearly above chance
and clearly below 100%, CL lowest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from heatgait.config import EvalConfig
from heatgait.data import ShardSet, Split, load_split


def energy_feature(heatmaps: np.ndarray) -> np.ndarray:
    """[t, 17, 64, 48] -> [64 * 48]: max over channels, mean over time, L2-normalised."""
    image = heatmaps.max(axis=1).mean(axis=0).ravel()
    return image / max(float(np.linalg.norm(image)), 1e-12)


def _casia_protocol() -> EvalConfig:
    from heatgait.config import load_recipe

    return load_recipe("casia-b").eval


def cross_view_rank1(features: np.ndarray, subjects: Sequence[str], types: Sequence[str],
                     views: Sequence[str], gallery: Sequence[str] | None = None,
                     probes: Mapping[str, Sequence[str]] | None = None
                     ) -> dict[str, dict[str, float]]:
    """Rank-1 (%) per probe set and probe view; key "mean" holds the mean over probe views.

    features [n, d]; subjects, types, views: labels of the n rows. Scored by the evaluator
    (heatgait.evaluation) with the CASIA-B protocol of the shipped recipe, whose gallery and
    probe types ``gallery`` / ``probes`` may replace.
    """
    from heatgait.evaluation.protocols import evaluate_embeddings

    protocol = dataclasses.replace(
        _casia_protocol(),
        **({"gallery": list(gallery)} if gallery is not None else {}),
        **({"probes": {k: list(v) for k, v in probes.items()}} if probes is not None else {}))
    result = evaluate_embeddings(features, subjects, types, views, protocol)
    scores: dict[str, dict[str, float]] = {}
    for name, probe_set in result.probe_sets.items():
        per_view = {view: float(value) for view, value in
                    zip(probe_set.views, probe_set.per_view[:, 0].tolist()) if not np.isnan(value)}
        if per_view:
            scores[name] = {**per_view, "mean": probe_set.metrics["rank1"]}
    return scores


def nearest_neighbour_rank1(shards: str | Path | Sequence[str | Path] | ShardSet,
                            split: str | Path | Split, *, subset: str = "test",
                            gallery: Sequence[str] | None = None,
                            probes: Mapping[str, Sequence[str]] | None = None
                            ) -> dict[str, dict[str, float]]:
    """Score the baseline on the ``subset`` ("test" or "train") subjects of shard files."""
    data = shards if isinstance(shards, ShardSet) else ShardSet(shards)
    chosen = set((split if isinstance(split, Split) else load_split(split)).__dict__[subset])
    rows = [i for i, info in enumerate(data.sequences) if info.subject in chosen]
    if not rows:
        raise ValueError(f"no sequence of the {subset} subjects in the shards")
    features = np.stack([energy_feature(data.read(i)) for i in rows])  # [n, 3072]
    infos = [data.sequences[i] for i in rows]
    return cross_view_rank1(features, [s.subject for s in infos], [s.type for s in infos],
                            [s.view for s in infos], gallery, probes)


def chance_level(split: str | Path | Split, subset: str = "test") -> float:
    """Rank-1 (%) of guessing: 100 / number of subjects in the subset."""
    chosen = (split if isinstance(split, Split) else load_split(split)).__dict__[subset]
    return 100.0 / max(len(chosen), 1)
