"""Gallery search: index candidates, re-ranked exactly with the evaluator's metric.

The index (``index.py``) proposes ``candidates`` entries per query by inner product; their
float32 embeddings come from the database in one block and are re-ranked with
``heatgait.evaluation.distance`` (mean over parts of the per-part Euclidean distance), the
metric of ``heatgait eval``. Each name is listed once, at the distance of its nearest entry;
ties go to the older entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from heatgait.errors import UsageError
from heatgait.evaluation.distance import as_parts, distance_matrix
from heatgait.gallery import index as vindex
from heatgait.gallery.store import Entry


@dataclass(frozen=True)
class Match:
    """One gallery name proposed for a query: its nearest entry and the distance to it."""

    name: str
    distance: float
    entry: Entry


class Searchable(Protocol):
    """What search needs of a gallery (``gallery.Gallery``), which calls it."""

    def loaded_index(self) -> Any: ...
    def check_shape(self, shape: tuple[int, ...]) -> None: ...
    def fetch_block(self, ids: list[int]) -> tuple[list[Entry], np.ndarray]: ...


def search(gallery: Searchable, queries: Any, top: int = 5,
           candidates: int = vindex.CANDIDATES) -> list[list[Match]]:
    """For each query [n, c, p] its ``top`` nearest names, nearest first."""
    if top < 1:
        raise UsageError(f"top {top}: ask for at least one name per query")
    q = as_parts(queries)  # [n, c, p]
    index = gallery.loaded_index()  # UsageError when the gallery is empty
    gallery.check_shape(q.shape[1:])
    ids = vindex.search(index, vindex.index_vectors(q), max(candidates, 4 * top))  # [n, k]
    entries, emb = gallery.fetch_block(np.unique(ids[ids >= 0]).tolist())  # [u, c, p]
    position = {entry.id: i for i, entry in enumerate(entries)}
    results: list[list[Match]] = []
    for query, row in zip(q, ids):
        rows = np.asarray([position[int(i)] for i in row if int(i) in position], dtype=int)
        results.append(rank(query, rows, entries, emb, top))
    return results


def rank(query: np.ndarray, rows: np.ndarray, entries: list[Entry], emb: np.ndarray,
         top: int) -> list[Match]:
    """Exact re-ranking of the candidates ``rows`` of ``emb`` [u, c, p] for ``query`` [c, p]."""
    if not len(rows):
        return []
    dist = distance_matrix(query[None], emb[rows])[0]  # [k]
    ids = np.asarray([entries[r].id for r in rows])
    matches: list[Match] = []
    seen: set[str] = set()
    for j in np.lexsort((ids, dist)):  # by distance, then by id
        entry = entries[rows[j]]
        if entry.name in seen:
            continue
        seen.add(entry.name)
        matches.append(Match(entry.name, float(dist[j]), entry))
        if len(matches) == top:
            break
    return matches
