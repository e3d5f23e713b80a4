"""Rank-k counting for the field's two evaluation modes, over chunks of probe distances.

Cross-view (CASIA-B, SUSTech1K): for each probe and each gallery view, the probe's rank is the
number of gallery items of that view closer than its nearest true match; rank-k is a hit when
that count is below k. Counting instead of sorting gives the same answer as the reference
evaluator's top-k (ties between a true match and an impostor count in the probe's favour).

Re-id (CCPG): all gallery views at once; each probe drops gallery items sharing both its id
and its view, is skipped when no true match is left, and gets rank-k and average precision
from its sorted, filtered gallery (OpenGait's ``evaluate_many``).

Inputs are integer codes: labels [n], views [n]; ``probe`` / ``gallery`` are index arrays
into the embeddings. A sequence in both sets is never matched against itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heatgait.evaluation.distance import distance_chunks


@dataclass
class CrossViewCounts:
    """Hit counts per (probe view, gallery view, rank) and set sizes per view."""

    hits: np.ndarray  # [v, v, r] int
    probes: np.ndarray  # [v] probes of each view
    gallery: np.ndarray  # [v] gallery items of each view


@dataclass
class ReidCounts:
    """Re-id sums over the probes that kept a true match."""

    hits: np.ndarray  # [r] probes with a true match within rank k
    ap_sum: float  # sum of average precisions (summed once, so chunking cannot change it)
    valid: int  # probes with at least one true match left
    skipped: int  # probes without one


def _self_pairs(probe: np.ndarray, gallery: np.ndarray, rows: slice) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) positions where a probe of the chunk is the gallery item itself."""
    position = {int(g): j for j, g in enumerate(gallery)}
    pairs = [(i, position[int(p)]) for i, p in enumerate(probe[rows]) if int(p) in position]
    if not pairs:
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    return tuple(np.asarray(axis) for axis in zip(*pairs))  # type: ignore[return-value]


def cross_view_counts(embeddings: np.ndarray, labels: np.ndarray, views: np.ndarray,
                      probe: np.ndarray, gallery: np.ndarray, num_views: int,
                      ranks: list[int], chunk_size: int = 4096) -> CrossViewCounts:
    """Counts rank-k hits of ``probe`` against ``gallery`` for every pair of views."""
    gallery = gallery[np.argsort(views[gallery], kind="stable")]  # contiguous per view
    gallery_views = views[gallery]
    bounds = np.searchsorted(gallery_views, np.arange(num_views + 1))
    gallery_labels = labels[gallery]
    hits = np.zeros((num_views, num_views, len(ranks)), dtype=np.int64)
    rank_array = np.asarray(ranks)[None, :]  # [1, r]
    for rows, dist in distance_chunks(embeddings[probe], embeddings[gallery], chunk_size):
        self_rows, self_cols = _self_pairs(probe, gallery, rows)
        dist[self_rows, self_cols] = np.inf
        probe_labels = labels[probe[rows]]
        probe_views = views[probe[rows]]
        for view in range(num_views):
            start, stop = bounds[view], bounds[view + 1]
            if start == stop:
                continue
            block = dist[:, start:stop]  # [n, m_view]
            same = probe_labels[:, None] == gallery_labels[None, start:stop]
            nearest_true = np.where(same, block, np.inf).min(axis=1)  # [n]
            closer = (block < nearest_true[:, None]).sum(axis=1)  # [n]
            hit = np.isfinite(nearest_true)[:, None] & (closer[:, None] < rank_array)  # [n, r]
            np.add.at(hits[:, view, :], probe_views, hit.astype(np.int64))
    return CrossViewCounts(hits=hits,
                           probes=np.bincount(views[probe], minlength=num_views),
                           gallery=np.diff(bounds))


def reid_counts(embeddings: np.ndarray, labels: np.ndarray, views: np.ndarray,
                probe: np.ndarray, gallery: np.ndarray, ranks: list[int],
                chunk_size: int = 4096) -> ReidCounts:
    """Rank-k hits and average precision with same-id-and-view gallery items removed."""
    gallery_labels, gallery_views = labels[gallery], views[gallery]
    hits = np.zeros(len(ranks), dtype=np.int64)
    ap_parts: list[np.ndarray] = []
    valid, skipped = 0, 0
    rank_array = np.asarray(ranks)[None, :]
    for rows, dist in distance_chunks(embeddings[probe], embeddings[gallery], chunk_size):
        probe_labels = labels[probe[rows]]
        same = probe_labels[:, None] == gallery_labels[None, :]  # [n, m]
        remove = same & (views[probe[rows]][:, None] == gallery_views[None, :])
        self_rows, self_cols = _self_pairs(probe, gallery, rows)
        remove[self_rows, self_cols] = True
        dist[remove] = np.inf  # removed items sort last and never match
        order = np.argsort(dist, axis=1, kind="stable")  # [n, m]
        matches = np.take_along_axis(same & ~remove, order, axis=1)  # [n, m] bool
        relevant = matches.sum(axis=1)  # [n]
        keep = relevant > 0
        skipped += int((~keep).sum())
        if not keep.any():
            continue
        matches, relevant = matches[keep], relevant[keep]
        first = matches.argmax(axis=1)  # [n'] position of the first true match
        hits += (first[:, None] < rank_array).sum(axis=0)
        found = np.cumsum(matches, axis=1)  # [n', m]
        precision = found / np.arange(1, matches.shape[1] + 1)[None, :]
        ap_parts.append((precision * matches).sum(axis=1) / relevant)  # [n']
        valid += int(keep.sum())
    ap_sum = float(np.concatenate(ap_parts).sum()) if ap_parts else 0.0
    return ReidCounts(hits=hits, ap_sum=ap_sum, valid=valid, skipped=skipped)


def cell_accuracy(counts: CrossViewCounts) -> np.ndarray:
    """Per-cell rank-k in percent, rounded to 2 decimals as the reference evaluator does.

    Cells whose probe view has no probes, or whose gallery view is empty, are NaN.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        cells = np.round(counts.hits * 100 / counts.probes[:, None, None], 2)  # [v, v, r]
    empty = (counts.probes[:, None] == 0) | (counts.gallery[None, :] == 0)  # [v, v]
    cells[empty] = np.nan
    return cells


def exclude_identical_views(cells: np.ndarray) -> np.ndarray:
    """[v, v, r] cells -> [v, r]: each probe view's mean over the other gallery views.

    With every cell present this is the reference ``de_diag`` (sum of the row with the diagonal
    zeroed, divided by v - 1); missing cells are left out of their row's mean.
    """
    num_views = cells.shape[0]
    off_diagonal = ~np.eye(num_views, dtype=bool)[:, :, None] & ~np.isnan(cells)  # [v, v, r]
    total = np.sum(np.where(off_diagonal, cells, 0.0), axis=1)  # [v, r]
    count = off_diagonal.sum(axis=1)  # [v, r]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, total / count, np.nan)
