"""Verification metrics from pair distances: TAR at a fixed FAR, EER, ROC and DET points.

A pair is accepted when its distance is at most the threshold (smaller = more alike).
FAR(t) = impostor pairs accepted / impostor pairs, TAR(t) = genuine pairs accepted / genuine
pairs, FRR = 1 - TAR.

- ``TAR@FAR=x``: the TAR at the largest threshold whose FAR does not exceed x, i.e. at most
  ``floor(x * impostors)`` impostor pairs accepted (a tie at the boundary is rejected whole).
- ``EER``: where FAR and FRR cross. Between the two operating points on either side of the
  crossing the curve is taken as straight (the usual interpolated EER).
- ROC points (FAR, TAR) and DET points (FAR, FRR) are read at log-spaced FARs, for plots.

Scores come as :class:`Scores`: exact (every distance, sorted) or, for very large pair sets,
a fine histogram (2**20 bins over a known range), whose thresholds are bin edges.
Everything is numpy; percentages are returned in percent, like rank-1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

VERIFICATION_KEYS = ("TAR@FAR=1%", "TAR@FAR=0.1%", "EER")
CURVE_FARS = np.logspace(-5, 0, 101)  # where ROC/DET points are read


class Scores:
    """A distribution of pair distances that answers "how many are <= t" (or "< t")."""

    def __init__(self, values: np.ndarray | None = None, *, edges: np.ndarray | None = None,
                 counts: np.ndarray | None = None):
        """Exact from ``values`` [n], or a histogram: ``counts`` [b] of the bins ``edges`` [b+1]."""
        if values is not None:
            values = np.asarray(values).ravel()
            # float32 sorts twice as fast and widens exactly: the same float64 array
            self.sorted: np.ndarray | None = (
                np.sort(values).astype(np.float64) if values.dtype == np.float32
                else np.sort(values.astype(np.float64)))
            self.edges = self.cumulative = None
            self.n = len(self.sorted)
        else:
            self.sorted = None
            self.edges = np.asarray(edges, dtype=np.float64)
            self.cumulative = np.concatenate([[0], np.cumsum(counts)])  # [b+1]
            self.n = int(self.cumulative[-1])

    @property
    def exact(self) -> bool:
        return self.sorted is not None

    def count_le(self, thresholds: np.ndarray) -> np.ndarray:
        """Scores <= each threshold (histogram: those in bins that end at or below it)."""
        t = np.asarray(thresholds, dtype=np.float64)
        if self.sorted is not None:
            return np.searchsorted(self.sorted, t, side="right")
        return self.cumulative[(np.searchsorted(self.edges, t, side="right") - 1).clip(0)]

    def count_lt(self, thresholds: np.ndarray) -> np.ndarray:
        """Scores < each threshold (histogram: those in bins that end at or below it)."""
        t = np.asarray(thresholds, dtype=np.float64)
        if self.sorted is not None:
            return np.searchsorted(self.sorted, t, side="left")
        return self.count_le(t)

    def kth(self, k: int) -> float:
        """The k-th smallest score (0-based); histogram: the upper edge of its bin."""
        if self.sorted is not None:
            return float(self.sorted[k])
        return float(self.edges[np.searchsorted(self.cumulative, k + 1, side="left")])

    def thresholds(self) -> np.ndarray:
        """Every threshold at which the count changes."""
        if self.sorted is not None:
            return _distinct(self.sorted)
        return self.edges


def _distinct(ordered: np.ndarray) -> np.ndarray:
    """``np.unique`` of an already sorted array, without sorting it again."""
    if len(ordered) == 0:
        return ordered
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


@dataclass
class Verification:
    """Verification metrics of one set of genuine and impostor pairs."""

    metrics: dict[str, float]  # VERIFICATION_KEYS -> percent (NaN when a side has no pairs)
    genuine_pairs: int
    impostor_pairs: int
    far: np.ndarray  # [k] ROC/DET points: false accept rate (fraction)
    tar: np.ndarray  # [k] true accept rate at that FAR (fraction); FRR = 1 - tar
    exact: bool = True  # False: the impostors were summarised by a histogram

    def curve(self) -> dict[str, list[float]]:
        """JSON-ready ROC points."""
        return {"far": self.far.tolist(), "tar": self.tar.tolist()}


def threshold_at_far(impostor: Scores, far: float) -> float:
    """The largest threshold accepting at most ``floor(far * n)`` impostor scores.

    Returns a value just below the first rejected impostor score (inf when all may pass).
    """
    if impostor.n == 0:
        return math.nan
    allowed = int(math.floor(far * impostor.n + 1e-9))
    if allowed >= impostor.n:
        return math.inf
    return float(np.nextafter(impostor.kth(allowed), -np.inf))


def tar_at_far(genuine: Scores, impostor: Scores, far: float) -> float:
    """Fraction of genuine scores accepted at :func:`threshold_at_far` (NaN without pairs)."""
    if genuine.n == 0 or impostor.n == 0:
        return math.nan
    threshold = threshold_at_far(impostor, far)
    return float(genuine.count_le(np.asarray([threshold]))[0]) / genuine.n


def equal_error_rate(genuine: Scores, impostor: Scores) -> float:
    """The interpolated EER as a fraction (NaN without pairs)."""
    if genuine.n == 0 or impostor.n == 0:
        return math.nan
    # both sides are sorted: a stable sort (timsort) of the two runs is a linear merge
    t = _distinct(np.sort(np.concatenate([[-np.inf], genuine.thresholds(),
                                          impostor.thresholds()]), kind="stable"))
    far = impostor.count_le(t) / impostor.n  # [k] non-decreasing
    frr = 1.0 - genuine.count_le(t) / genuine.n  # [k] non-increasing
    gap = frr - far  # starts at 1 (t = -inf), ends <= 0
    cross = int(np.argmax(gap <= 0))  # first operating point with FRR <= FAR
    if cross == 0:
        return float(far[0])
    before, after = gap[cross - 1], gap[cross]
    alpha = before / (before - after)
    return float(far[cross - 1] + alpha * (far[cross] - far[cross - 1]))


def roc_points(genuine: Scores, impostor: Scores, fars: np.ndarray = CURVE_FARS
               ) -> tuple[np.ndarray, np.ndarray]:
    """(FAR [k], TAR [k]) at the requested FARs (only those one impostor pair can resolve)."""
    fars = np.asarray(fars, dtype=np.float64)
    if genuine.n == 0 or impostor.n == 0:
        return np.empty(0), np.empty(0)
    fars = fars[fars >= 1.0 / impostor.n]
    tar = np.asarray([tar_at_far(genuine, impostor, f) for f in fars])
    return fars, tar


def verify(genuine: Scores, impostor: Scores) -> Verification:
    """All metrics and curve points of one pair set."""
    metrics = {"TAR@FAR=1%": tar_at_far(genuine, impostor, 0.01) * 100,
               "TAR@FAR=0.1%": tar_at_far(genuine, impostor, 0.001) * 100,
               "EER": equal_error_rate(genuine, impostor) * 100}
    far, tar = roc_points(genuine, impostor)
    return Verification(metrics=metrics, genuine_pairs=genuine.n, impostor_pairs=impostor.n,
                        far=far, tar=tar, exact=genuine.exact and impostor.exact)


def verify_matrix(distances: np.ndarray, probe_labels: np.ndarray, gallery_labels: np.ndarray,
                  valid: np.ndarray | None = None) -> Verification:
    """Metrics of a probe-gallery distance matrix [n, m]: same label = genuine pair.

    ``valid`` [n, m] (bool) leaves pairs out, e.g. a sequence with itself or identical views.
    """
    distances = np.asarray(distances)
    same = np.asarray(probe_labels)[:, None] == np.asarray(gallery_labels)[None, :]  # [n, m]
    keep = np.ones_like(same) if valid is None else np.asarray(valid, dtype=bool)
    return verify(Scores(distances[same & keep]), Scores(distances[~same & keep]))
