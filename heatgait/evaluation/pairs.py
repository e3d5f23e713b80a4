"""Which probe-gallery pairs the verification metrics count, collected over distance chunks.

The pairs are the ones the protocol's rank-1 looks at, so both numbers describe the same
comparisons:

- cross-view (CASIA-B, SUSTech1K): every (probe, gallery item) of a probe set whose views
  differ (identical views are excluded, as in the rank-1 average) and that are not one
  sequence; genuine = same subject, impostor = another subject.
- re-id (CCPG): every (probe, gallery item) except gallery items with the probe's id AND view
  (the ones rank-1 ignores) and the probe itself; genuine = same subject (another view),
  impostor = another subject (any view). Probes left without a genuine pair are skipped,
  as rank-1 skips them.

All pairs are pooled (one threshold for every view, as a deployed system has). Scores are
kept exactly up to :data:`EXACT_LIMIT` per side; beyond that (SUSTech1K-sized sets) a side is
summarised by a histogram of :data:`HISTOGRAM_BINS` bins over [0, largest possible distance].
"""

from __future__ import annotations

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
}


class ScoreCollector:
    """Gathers distances chunk by chunk: exact until :data:`EXACT_LIMIT`, then a histogram."""

    def __init__(self, upper: float, limit: int = EXACT_LIMIT, bins: int = HISTOGRAM_BINS):
        self.limit = limit
        self.edges = np.linspace(0.0, max(float(upper), 1e-6), bins + 1)
        self.parts: list[np.ndarray] = []
        self.kept = 0
        self.counts: np.ndarray | None = None  # set once the histogram takes over

    def add(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float32).ravel()
        if self.counts is None and self.kept + len(values) <= self.limit:
            self.parts.append(values)
            self.kept += len(values)
            return
        if self.counts is None:
            self.counts = np.zeros(len(self.edges) - 1, dtype=np.int64)
            for part in self.parts:
                self._bin(part)
            self.parts = []
        self._bin(values)

    def _bin(self, values: np.ndarray) -> None:
        clipped = np.clip(values, self.edges[0], self.edges[-1])
        self.counts += np.histogram(clipped, bins=self.edges)[0]

    def scores(self) -> Scores:
        if self.counts is not None:
            return Scores(edges=self.edges, counts=self.counts)
        return Scores(np.concatenate(self.parts) if self.parts else np.empty(0, np.float32))


def distance_bound(probe: np.ndarray, gallery: np.ndarray) -> float:
    """No pair of ``probe`` [n, c, p] and ``gallery`` [m, c, p] is farther apart than this."""
    largest = [np.linalg.norm(x, axis=1).max(axis=0) if len(x) else np.zeros(x.shape[2])
               for x in (probe, gallery)]  # [p] each
    return float(np.mean(largest[0] + largest[1])) * 1.0001


def protocol_pairs(features: np.ndarray, labels: np.ndarray, views: np.ndarray,
                   probe: np.ndarray, gallery: np.ndarray, mode: str, chunk_size: int = 4096,
                   limit: int = EXACT_LIMIT) -> tuple[Scores, Scores]:
    """(genuine, impostor) distances of a probe set under ``mode`` (see the module doc).

    ``features`` [N, c, p]; ``labels`` / ``views`` integer codes [N]; ``probe`` / ``gallery``
    index arrays into them.
    """
    upper = distance_bound(features[probe], features[gallery])
    genuine, impostor = ScoreCollector(upper, limit), ScoreCollector(upper, limit)
    gallery_labels, gallery_views = labels[gallery], views[gallery]
    for rows, dist in distance_chunks(features[probe], features[gallery], chunk_size):
        members = probe[rows]
        same = labels[members][:, None] == gallery_labels[None, :]  # [n, m]
        same_view = views[members][:, None] == gallery_views[None, :]
        keep = members[:, None] != gallery[None, :]
        if mode == "cross-view":
            keep &= ~same_view
        else:
            keep &= ~(same & same_view)
            keep &= (same & keep).any(axis=1)[:, None]  # no true match left: skipped
        genuine.add(dist[same & keep])
        impostor.add(dist[~same & keep])
    return genuine.scores(), impostor.scores()
