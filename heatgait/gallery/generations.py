"""Index generations: the faiss file that goes with the database, kept in step with it.

Called inside a gallery's add/remove transaction: the current generation N is extended (or
shrunk) in place when its kind and training still fit the gallery's size, otherwise a new
index is built from every row of the database; it is written atomically as generation N+1 and
the ``index`` meta row is pointed at it, all before the transaction commits. A crash before
the commit leaves the meta row at N (and N's file untouched); the file N+1 is then an orphan
that the next writer deletes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from heatgait.gallery import index as vindex
from heatgait.gallery.store import set_meta


def write_next_generation(gallery: Any, add_ids: np.ndarray | None = None,
                          add_vectors: np.ndarray | None = None,
                          remove_ids: np.ndarray | None = None) -> None:
    """Inside the transaction: index generation N -> N+1, and the meta row saying so."""
    info = gallery.index_info
    count = gallery.count()  # this transaction's rows included
    dim = int(np.prod(gallery.shape))
    index = None
    if not vindex.needs_rebuild(info["kind"], info["trained_on"], count, dim):
        if info["generation"] == 0:
            index = vindex.new_index("flat", dim)
        else:
            index = vindex.read_index(vindex.index_file(gallery.folder, info["generation"]))
        if index is not None and index.ntotal == info["count"]:
            if remove_ids is not None:
                vindex.remove(index, remove_ids)
            if add_ids is not None:
                vindex.add(index, add_vectors, add_ids)
        else:
            index = None  # missing or out of step: rebuild
    kind, trained_on = info["kind"], info["trained_on"]
    if index is None or index.ntotal != count:
        index, kind, trained_on = build_from_database(gallery, count, dim)
    generation = info["generation"] + 1
    vindex.write_index(index, vindex.index_file(gallery.folder, generation))
    set_meta(gallery.con, "index", {"generation": generation, "kind": kind,
                                    "trained_on": trained_on, "count": count})


def build_from_database(gallery: Any, count: int, dim: int) -> tuple[Any, str, int]:
    """A fresh index of every entry: (index, kind, entries the quantiser was trained on)."""
    kind = vindex.choose_kind(count, dim)
    sample = None
    if kind == "pq":  # train on entries spread evenly over the gallery
        ids = [r[0] for r in gallery.con.execute("SELECT id FROM entries ORDER BY id")]
        picks = np.unique(np.linspace(0, len(ids) - 1, min(len(ids), vindex.TRAIN_MAX))
                          .round().astype(int))
        _, emb = gallery.fetch_block([ids[i] for i in picks])
        sample = vindex.index_vectors(emb)
    index = vindex.new_index(kind, dim, sample)
    for entries, emb in gallery.iter_embeddings():
        vindex.add(index, vindex.index_vectors(emb), np.asarray([e.id for e in entries]))
    return index, kind, count if kind == "pq" else 0
