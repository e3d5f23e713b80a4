"""Slow, obvious reference implementations of the protocols, written loop by loop.

They follow the reference evaluator's definitions directly (sort each cell's gallery, look at
the top k, round each cell, divide the off-diagonal row sum by views - 1) and share no code
with heatgait.evaluation, so agreement tests the vectorised version.
"""

from __future__ import annotations

import math

import numpy as np


def pair_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over parts of the Euclidean distance of two [c, p] embeddings, in float64."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    return float(np.mean([math.sqrt(float(np.sum((a[:, p] - b[:, p]) ** 2)))
                          for p in range(a.shape[1])]))


def matches(kind: str, value: str, patterns: list[str]) -> bool:
    return value in patterns if kind == "exact" else any(p in value for p in patterns)


def cross_view(emb, labels, types, views, probe_types, gallery_types, match, ranks):
    """{rank: probe-set value} and {rank: cell matrix} like OpenGait's single-view gallery."""
    view_list = sorted(set(views))
    num = len(view_list)
    cells = {k: np.zeros((num, num)) for k in ranks}
    for i, pv in enumerate(view_list):
        probes = [n for n in range(len(labels))
                  if views[n] == pv and matches(match, types[n], probe_types)]
        for j, gv in enumerate(view_list):
            gallery = [n for n in range(len(labels))
                       if views[n] == gv and matches(match, types[n], gallery_types)]
            for k in ranks:
                hits = 0
                for p in probes:
                    ordered = sorted(gallery, key=lambda g: pair_distance(emb[p], emb[g]))
                    if labels[p] in [labels[g] for g in ordered[:k]]:
                        hits += 1
                cells[k][i, j] = round(hits * 100 / len(probes), 2)
    values = {}
    for k in ranks:
        rows = []
        for i in range(num):
            rows.append(sum(cells[k][i, j] for j in range(num) if j != i) / (num - 1))
        values[k] = sum(rows) / num
    return values, cells


def reid(emb, labels, types, views, probe_types, gallery_types, ranks, sep="_"):
    """(rank-k dict, mAP) with same id + same view gallery items removed, like evaluate_many."""
    view_of = [v.split(sep)[0] for v in views]
    probes = [n for n in range(len(labels)) if types[n] in probe_types]
    gallery = [n for n in range(len(labels)) if types[n] in gallery_types]
    hits = {k: 0 for k in ranks}
    aps = []
    for p in probes:
        kept = [g for g in gallery
                if g != p and not (labels[g] == labels[p] and view_of[g] == view_of[p])]
        ordered = sorted(kept, key=lambda g: pair_distance(emb[p], emb[g]))
        flags = [labels[g] == labels[p] for g in ordered]
        if not any(flags):
            continue
        for k in ranks:
            hits[k] += any(flags[:k])
        found, precision_sum = 0, 0.0
        for position, flag in enumerate(flags):
            if flag:
                found += 1
                precision_sum += found / (position + 1)
        aps.append(precision_sum / found)
    return {k: hits[k] * 100 / len(aps) for k in ranks}, float(np.mean(aps)) * 100
