"""Which probe-gallery pairs a protocol compares: the one statement of the pair rules.

Rank-k (:mod:`heatgait.evaluation.scoring`) and the verification metrics read the same
rules from :func:`chunk_pairs`, on the same distance chunk, so both numbers describe the same
comparisons:

- cross-view (CASIA-B, SUSTech1K): a probe is never matched with itself. Rank-k is counted per
  (probe view, gallery view) cell and identical views drop out of the averages; verification
  counts every (probe, gallery item) of a probe set whose views differ; genuine = same
  subject, impostor = another subject.
- re-id (CCPG): gallery items with the probe's id AND view, and the probe itself, are removed
  (rank-k never sees them); verification counts every other pair, genuine = same subject
  (another view), impostor = another subject (any view). Probes left without a genuine pair
  are skipped by both.
- retrieval (Gait3D, GREW): only a sequence facing itself is removed; otherwise as re-id.

All pairs are pooled (one threshold for every view, as a deployed system has). Scores are
kept exactly up to :data:`EXACT_LIMIT` per side; beyond that (SUSTech1K-sized sets) a side is
summarised by a histogram of :data:`HISTOGRAM_BINS` bins over [0, largest possible distance].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from heatgait.evaluation.distance import distance_chunks
from heatgait.evaluation.verification import Scores

EXACT_LIMIT = 2**24  # scores per side kept exactly (64 MB of float32)
HISTOGRAM_BINS = 2**20

PAIR_RULES = {
    "cross-view": "genuine = same subject, impostor = other subject; pairs of identical views "
                  "and of a sequence with itself excluded",
    "reid": "genuine = same subject, impostor = other subject; gallery items with the probe's "
            "id and view, and the probe itself, excluded; probes without a genuine pair skipped",
    "retrieval": "genuine = same subject, impostor = other subject; a sequence facing itself "
                 "excluded; probes without a genuine pair skipped",
}


class ScoreCollector:
    """Gathers distances chunk by chunk: exact until :data:`EXACT_LIMIT`, then a histogram.

    ``upper`` (the histogram's range) may be a function: it is then called only if the
    histogram is needed.
    """

    def __init__(self, upper: float | Callable[[], float], limit: int = EXACT_LIMIT,
                 bins: int = HISTOGRAM_BINS):
        self.limit, self.upper, self.bins = limit, upper, bins
        self.edges: np.ndarray | None = None  # set once the histogram takes over
        self.parts: list[np.ndarray] = []
        self.kept = 0
        self.counts: np.ndarray | None = None

    def add(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float32).ravel()
        if self.counts is None and self.kept + len(values) <= self.limit:
            self.parts.append(values)
            self.kept += len(values)
            return
        if self.counts is None:
            upper = self.upper() if callable(self.upper) else self.upper
            self.edges = np.linspace(0.0, max(float(upper), 1e-6), self.bins + 1)
            self.counts = np.zeros(self.bins, dtype=np.int64)
            for part in self.parts:
                self._bin(part)
            self.parts = []
        self._bin(values)

    def _bin(self, values: np.ndarray) -> None:
        """``np.histogram(values, self.edges)`` after clipping, bin for bin, in one pass.

        (np.histogram with an edge array sorts blocks of 65,536 values and searches all 2^20
        edges in each: 380 ns a score, twice the distance itself at OU-MVLP's 5.2e9 pairs.)
        The bin comes from arithmetic, then is moved by one where the float64 edges say so,
        so each value lands where a search of the edges puts it: edge i <= v < edge i+1, the
        last bin closed.
        """
        edges, bins = self.edges, self.bins
        clipped = np.clip(values.astype(np.float64), edges[0], edges[-1])
        index = ((clipped - edges[0]) * (bins / (edges[-1] - edges[0]))).astype(np.intp)
        np.clip(index, 0, bins - 1, out=index)
        index -= clipped < edges[index]
        index += (clipped >= edges[index + 1]) & (index < bins - 1)
        self.counts += np.bincount(index, minlength=bins)

    def scores(self) -> Scores:
        if self.counts is not None:
            return Scores(edges=self.edges, counts=self.counts)
        return Scores(np.concatenate(self.parts) if self.parts else np.empty(0, np.float32))


def distance_bound(probe: np.ndarray, gallery: np.ndarray) -> float:
    """No pair of ``probe`` [n, c, p] and ``gallery`` [m, c, p] is farther apart than this."""
    largest = [np.linalg.norm(x, axis=1).max(axis=0) if len(x) else np.zeros(x.shape[2])
               for x in (probe, gallery)]  # [p] each
    return float(np.mean(largest[0] + largest[1])) * 1.0001


@dataclass
class ChunkPairs:
    """The protocol's view of one distance chunk: probes ``members`` [n] x ``gallery`` [m]."""

    same: np.ndarray  # [n, m] same subject
    itself: np.ndarray  # [n, m] a sequence in both sets facing itself
    removed: np.ndarray  # [n, m] pairs rank-k never compares (itself; re-id: id and view)
    counted: np.ndarray  # [n, m] pairs the verification metrics count


def chunk_pairs(mode: str, labels: np.ndarray, views: np.ndarray, members: np.ndarray,
                gallery: np.ndarray) -> ChunkPairs:
    """The pair rules of ``mode`` (see the module doc) for probes ``members`` vs ``gallery``.

    ``labels`` / ``views`` are integer codes [N]; ``members`` / ``gallery`` index into them.
    """
    same = labels[members][:, None] == labels[gallery][None, :]  # [n, m]
    same_view = views[members][:, None] == views[gallery][None, :]
    itself = members[:, None] == gallery[None, :]
    if mode == "cross-view":
        return ChunkPairs(same, itself, itself, ~(itself | same_view))
    removed = itself if mode == "retrieval" else itself | (same & same_view)
    counted = ~removed
    counted &= (same & counted).any(axis=1)[:, None]  # no true match left: skipped
    return ChunkPairs(same, itself, removed, counted)


class PairCollector:
    """Genuine and impostor distances of one probe set, fed chunk by chunk."""

    def __init__(self, features: np.ndarray, probe: np.ndarray, gallery: np.ndarray,
                 limit: int = EXACT_LIMIT):
        bound = cache(lambda: distance_bound(features[probe], features[gallery]))
        self.genuine, self.impostor = ScoreCollector(bound, limit), ScoreCollector(bound, limit)

    def add(self, dist: np.ndarray, pairs: ChunkPairs) -> None:
        """Takes the counted pairs of a chunk's distances [n, m] (read before any inf is set)."""
        self.genuine.add(dist[pairs.same & pairs.counted])
        self.impostor.add(dist[~pairs.same & pairs.counted])

    def scores(self) -> tuple[Scores, Scores]:
        return self.genuine.scores(), self.impostor.scores()


def protocol_pairs(features: np.ndarray, labels: np.ndarray, views: np.ndarray,
                   probe: np.ndarray, gallery: np.ndarray, mode: str, chunk_size: int = 4096,
                   limit: int = EXACT_LIMIT) -> tuple[Scores, Scores]:
    """(genuine, impostor) distances of a probe set under ``mode`` (see the module doc).

    ``features`` [N, c, p]; ``labels`` / ``views`` integer codes [N]; ``probe`` / ``gallery``
    index arrays into them. (The protocols collect the pairs in their own distance pass.)
    """
    collector = PairCollector(features, probe, gallery, limit)
    for rows, dist in distance_chunks(features[probe], features[gallery], chunk_size):
        collector.add(dist, chunk_pairs(mode, labels, views, probe[rows], gallery))
    return collector.scores()
