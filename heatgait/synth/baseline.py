"""The fairness check of the synthetic set: a non-learned nearest-neighbour baseline.

Each sequence becomes one image (max over the 17 channels, mean over time: a "gait energy
image" of heatmaps), flattened and L2-normalised; probes are matched to the gallery by
Euclidean distance and scored with the CASIA-B cross-view protocol (gallery nm-01..04, probes
NM/BG/CL, each (probe view, gallery view) cell with identical views excluded, cells rounded to
2 decimals, averaged over gallery views then probe views). A good synthetic set puts this
clearly above chance and clearly below 100%, CL lowest. The real evaluator lives in
``heatgait.evaluation``; this is deliberately small.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from heatgait.data import ShardSet, Split, load_split

GALLERY = ("nm-01", "nm-02", "nm-03", "nm-04")
PROBES = {"NM": ("nm-05", "nm-06"), "BG": ("bg-01", "bg-02"), "CL": ("cl-01", "cl-02")}


def energy_feature(heatmaps: np.ndarray) -> np.ndarray:
    """[t, 17, 64, 48] -> [64 * 48]: max over channels, mean over time, L2-normalised."""
    image = heatmaps.max(axis=1).mean(axis=0).ravel()
    return image / max(float(np.linalg.norm(image)), 1e-12)


def cross_view_rank1(features: np.ndarray, subjects: Sequence[str], types: Sequence[str],
                     views: Sequence[str], gallery: Sequence[str] = GALLERY,
                     probes: Mapping[str, Sequence[str]] = PROBES) -> dict[str, dict[str, float]]:
    """Rank-1 (%) per probe set and probe view; key "mean" holds the mean over probe views.

    features [n, d]; subjects, types, views: labels of the n rows.
    """
    subjects, types, views = np.asarray(subjects), np.asarray(types), np.asarray(views)
    is_gallery = np.isin(types, list(gallery))
    result: dict[str, dict[str, float]] = {}
    for name, probe_types in probes.items():
        is_probe = np.isin(types, list(probe_types))
        per_view: dict[str, float] = {}
        for pv in sorted(set(views[is_probe])):
            p = np.flatnonzero(is_probe & (views == pv))
            cells = []
            for gv in sorted(set(views[is_gallery])):
                g = np.flatnonzero(is_gallery & (views == gv))
                if gv == pv or len(g) == 0:
                    continue
                d2 = (np.square(features[p]).sum(1)[:, None] + np.square(features[g]).sum(1)[None]
                      - 2.0 * features[p] @ features[g].T)  # [probes, gallery]
                hit = subjects[g][d2.argmin(axis=1)] == subjects[p]
                cells.append(round(100.0 * float(hit.mean()), 2))
            if cells:
                per_view[str(pv)] = float(np.mean(cells))
        if per_view:
            per_view["mean"] = float(np.mean(list(per_view.values())))
            result[name] = per_view
    return result


def nearest_neighbour_rank1(shards: str | Path | Sequence[str | Path] | ShardSet,
                            split: str | Path | Split, *, subset: str = "test",
                            gallery: Sequence[str] = GALLERY,
                            probes: Mapping[str, Sequence[str]] = PROBES
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
