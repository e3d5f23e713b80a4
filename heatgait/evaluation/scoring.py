"""Rank-k counting for the field's two evaluation modes, over chunks of probe distances.

Cross-view (CASIA-B, SUSTech1K): for each probe and each gallery view, the probe's rank is the
number of gallery items of that view closer than its nearest true match; rank-k is a hit when
that count is below k. Counting instead of sorting gives the same answer as the reference
evaluator's top-k (ties between a true match and an impostor count in the probe's favour).

Re-id (CCPG): all gallery views at once; each probe drops gallery items sharing both its id
and its view, is skipped when no true match is left, and gets rank-k and average precision
from its sorted, filtered gallery (OpenGait's ``evaluate_many``), and its inverse negative
penalty INP = (true matches) / (position of its last true match), whose mean is mINP (Ye et
al., "Deep Learning for Person Re-identification: A Survey and Outlook"; Gait3D's
``evaluate_rank``). Retrieval (Gait3D, GREW) is re-id with only the probe itself removed, and
no per-view table.

Inputs are integer codes: labels [n], views [n]; ``probe`` / ``gallery`` are index arrays
into the embeddings. Which pairs each mode compares is stated once, in
:func:`heatgait.evaluation.pairs.chunk_pairs`. :func:`score_probe_set` computes each probe
set's distances once, chunk by chunk, and feeds every chunk to the per-view cells, the re-id
counts and the verification pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heatgait.evaluation.distance import part_major_chunks, to_part_major
from heatgait.evaluation.pairs import ChunkPairs, PairCollector, chunk_pairs
from heatgait.evaluation.verification import Scores


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
    inp_sum: float  # sum of inverse negative penalties (mINP = inp_sum / valid)
    valid: int  # probes with at least one true match left
    skipped: int  # probes without one


class CrossViewCounter:
    """Rank-k hits of ``probe`` against ``gallery`` for every pair of views, chunk by chunk."""

    def __init__(self, labels: np.ndarray, views: np.ndarray, probe: np.ndarray,
                 gallery: np.ndarray, num_views: int, ranks: list[int]):
        order = np.argsort(views[gallery], kind="stable")  # columns contiguous per view
        self.order = None if np.array_equal(order, np.arange(len(gallery))) else order
        gallery = gallery[order]
        self.bounds = np.searchsorted(views[gallery], np.arange(num_views + 1))
        self.views, self.probe, self.num_views = views, probe, num_views
        self.rank_array = np.asarray(ranks)[None, :]  # [1, r]
        self.hits = np.zeros((num_views, num_views, len(ranks)), dtype=np.int64)

    def add(self, rows: slice, dist: np.ndarray, pairs: ChunkPairs) -> None:
        """Counts a chunk: distances [n, m] (a sequence facing itself already inf)."""
        same = pairs.same
        if self.order is not None:
            dist, same = dist[:, self.order], same[:, self.order]
        probe_views = self.views[self.probe[rows]]
        for view in range(self.num_views):
            start, stop = self.bounds[view], self.bounds[view + 1]
            if start == stop:
                continue
            block = dist[:, start:stop]  # [n, m_view]
            nearest_true = np.where(same[:, start:stop], block, np.inf).min(axis=1)  # [n]
            closer = (block < nearest_true[:, None]).sum(axis=1)  # [n]
            hit = np.isfinite(nearest_true)[:, None] & (closer[:, None] < self.rank_array)
            np.add.at(self.hits[:, view, :], probe_views, hit.astype(np.int64))

    def counts(self) -> CrossViewCounts:
        return CrossViewCounts(hits=self.hits,
                               probes=np.bincount(self.views[self.probe],
                                                  minlength=self.num_views),
                               gallery=np.diff(self.bounds))


class ReidCounter:
    """Re-id rank-k hits and average precision, chunk by chunk (gallery in its given order:
    the stable sort breaks ties by it)."""

    def __init__(self, ranks: list[int]):
        self.rank_array = np.asarray(ranks)[None, :]  # [1, r]
        self.hits = np.zeros(len(ranks), dtype=np.int64)
        self.ap_parts: list[np.ndarray] = []
        self.inp_parts: list[np.ndarray] = []
        self.valid = self.skipped = 0

    def add(self, dist: np.ndarray, pairs: ChunkPairs) -> None:
        """Counts a chunk: distances [n, m] (removed pairs already inf) and its pairs."""
        order = np.argsort(dist, axis=1, kind="stable")  # [n, m]; removed items sort last
        matches = np.take_along_axis(pairs.same & ~pairs.removed, order, axis=1)  # [n, m]
        relevant = matches.sum(axis=1)  # [n]
        keep = relevant > 0
        self.skipped += int((~keep).sum())
        if not keep.any():
            return
        matches, relevant = matches[keep], relevant[keep]
        first = matches.argmax(axis=1)  # [n'] position of the first true match
        self.hits += (first[:, None] < self.rank_array).sum(axis=0)
        found = np.cumsum(matches, axis=1)  # [n', m]
        precision = found / np.arange(1, matches.shape[1] + 1)[None, :]
        self.ap_parts.append((precision * matches).sum(axis=1) / relevant)  # [n']
        last = matches.shape[1] - 1 - matches[:, ::-1].argmax(axis=1)  # [n'] last true match
        self.inp_parts.append(relevant / (last + 1.0))
        self.valid += int(keep.sum())

    def counts(self) -> ReidCounts:
        total = lambda parts: float(np.concatenate(parts).sum()) if parts else 0.0
        return ReidCounts(hits=self.hits, ap_sum=total(self.ap_parts),
                          inp_sum=total(self.inp_parts), valid=self.valid, skipped=self.skipped)


@dataclass
class ProbeSetCounts:
    """Everything one distance pass over a probe set yields."""

    cross_view: CrossViewCounts | None  # not in retrieval mode
    reid: ReidCounts | None  # re-id and retrieval modes
    pairs: tuple[Scores, Scores] | None  # (genuine, impostor) when verification is asked


def score_probe_set(embeddings: np.ndarray, labels: np.ndarray, views: np.ndarray,
                    probe: np.ndarray, gallery: np.ndarray, mode: str, num_views: int,
                    ranks: list[int], chunk_size: int = 4096, verification: bool = True,
                    part_major: tuple[np.ndarray, np.ndarray] | None = None
                    ) -> ProbeSetCounts:
    """Per-view cells, re-id counts and verification pairs from one distance matrix.

    ``embeddings`` [N, c, p]; ``part_major`` optionally their :func:`to_part_major` form, made
    once for every probe set of an evaluation.

    Each chunk of probe rows is computed once. The pairs are read first; then a sequence
    facing itself is set to inf for the per-view cells (in both modes: the cells of re-id
    mode are the plain cross-view table), then the re-id removals for the re-id counts.
    """
    if mode == "cross-view":  # the gallery sorted by view: its cells are column slices
        gallery = gallery[np.argsort(views[gallery], kind="stable")]
    cells = (CrossViewCounter(labels, views, probe, gallery, num_views, ranks)
             if mode != "retrieval" else None)  # retrieval views name sequences: no table
    reid = ReidCounter(ranks) if mode != "cross-view" else None
    collector = PairCollector(embeddings, probe, gallery) if verification else None
    parts, squares = part_major or to_part_major(embeddings)
    for rows, dist in part_major_chunks(parts[:, probe], squares[:, probe], parts[:, gallery],
                                        squares[:, gallery], chunk_size):
        pairs = chunk_pairs(mode, labels, views, probe[rows], gallery)
        if collector is not None:
            collector.add(dist, pairs)
        dist[pairs.itself] = np.inf
        if cells is not None:
            cells.add(rows, dist, pairs)
        if reid is not None:
            dist[pairs.removed] = np.inf
            reid.add(dist, pairs)
    return ProbeSetCounts(cross_view=cells.counts() if cells is not None else None,
                          reid=reid.counts() if reid is not None else None,
                          pairs=collector.scores() if collector is not None else None)


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
