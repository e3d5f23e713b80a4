"""The candidate index (faiss): which gallery entries are worth an exact distance.

The evaluator's metric (mean over parts of the per-part Euclidean distance) is no metric that
faiss knows. With every part L2-normalised, the inner product of two concatenated embeddings
is the sum over parts of the per-part cosines, and the per-part distance is
sqrt(2 - 2 cos): the inner product orders entries almost as the metric does (on synthetic
[256, 16] galleries the exact top-1 was within the inner product's top 3). So the index
ranks by inner product, returns :data:`CANDIDATES` entries, and the gallery re-ranks those
exactly.

Index kinds, chosen by size (``choose_kind``):
- ``flat``: exact inner product over every entry, while entries x dimensions stays under
  :data:`FLAT_MAX_CELLS` (a scan of at most 32 MB a query);
- ``pq``: 4-bit product quantisation with SIMD fast scan (faiss ``PQ{d/16}x4fs``), 16
  dimensions a sub-quantiser, d/32 bytes an entry (128 B at [256, 16]), trained on up to
  :data:`TRAIN_MAX` entries and retrained when the gallery has grown :data:`RETRAIN_GROWTH`-fold.

Files are ``index-NNNNNN.faiss``, one per generation, written atomically; the database says
which generation is current (see ``gallery.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from heatgait import fileio
from heatgait.errors import MissingDependencyError

FLAT_MAX_CELLS = 2**23
TRAIN_MAX = 10_000
MIN_PQ_ENTRIES = 1024  # a product quantiser needs this many training vectors at least
RETRAIN_GROWTH = 4
CANDIDATES = 128  # entries re-ranked exactly per query (at least)
SUBVECTOR_DIM = 16
FEW_QUERIES = 16  # below this many queries a search runs on one thread (measured: 1.0-1.3 ms
# against 4-17 ms with two OpenMP threads, one query, 10k entries, on a busy 2-core machine)


def _faiss() -> Any:
    try:
        import faiss
    except ImportError as exc:
        raise MissingDependencyError("the gallery needs faiss-cpu: pip install faiss-cpu") from exc
    return faiss


def index_vectors(embeddings: np.ndarray) -> np.ndarray:
    """[n, c, p] -> [n, c * p] float32 with each part L2-normalised (inner product = sum of
    per-part cosines)."""
    parts = np.asarray(embeddings, dtype=np.float32)
    norms = np.linalg.norm(parts, axis=1, keepdims=True)  # [n, 1, p]
    parts = parts / np.maximum(norms, 1e-12)
    return np.ascontiguousarray(parts.reshape(len(parts), -1))


def choose_kind(count: int, dim: int) -> str:
    """``flat`` for small galleries, ``pq`` once a flat scan would cost too much."""
    return "flat" if count * dim <= FLAT_MAX_CELLS or count < MIN_PQ_ENTRIES else "pq"


def needs_rebuild(kind: str, trained_on: int, count: int, dim: int) -> bool:
    """True when the index kind no longer fits the size, or the quantiser is stale."""
    wanted = choose_kind(count, dim)
    return wanted != kind or (kind == "pq" and count > RETRAIN_GROWTH * max(trained_on, 1))


def _pq_spec(dim: int) -> str:
    subquantizers = max(1, dim // SUBVECTOR_DIM)
    while dim % subquantizers:
        subquantizers -= 1
    return f"IDMap2,PQ{subquantizers}x4fs"


def new_index(kind: str, dim: int, sample: np.ndarray | None = None) -> Any:
    """An empty index of ``kind`` (``pq`` trained on ``sample`` [s, dim])."""
    faiss = _faiss()
    if kind == "flat":
        return faiss.index_factory(dim, "IDMap2,Flat", faiss.METRIC_INNER_PRODUCT)
    index = faiss.index_factory(dim, _pq_spec(dim), faiss.METRIC_INNER_PRODUCT)
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    return index


def add(index: Any, vectors: np.ndarray, ids: np.ndarray) -> None:
    if len(ids):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                           np.asarray(ids, dtype=np.int64))


def remove(index: Any, ids: np.ndarray) -> int:
    faiss = _faiss()
    return int(index.remove_ids(faiss.IDSelectorBatch(np.asarray(ids, dtype=np.int64))))


def search(index: Any, vectors: np.ndarray, k: int) -> np.ndarray:
    """Candidate ids [nq, k] by inner product (-1 where the index has fewer entries)."""
    if index.ntotal == 0 or k <= 0:
        return np.full((len(vectors), max(k, 0)), -1, dtype=np.int64)
    faiss = _faiss()
    threads = faiss.omp_get_max_threads()
    if len(vectors) < FEW_QUERIES:  # OpenMP costs more than it gives for one query
        faiss.omp_set_num_threads(1)
    try:
        _, ids = index.search(np.ascontiguousarray(vectors, dtype=np.float32),
                              min(k, index.ntotal))
    finally:
        faiss.omp_set_num_threads(threads)
    return ids


def index_file(folder: Path, generation: int) -> Path:
    return folder / f"index-{generation:06d}.faiss"


def write_index(index: Any, path: Path) -> Path:
    """Writes durably (``heatgait.fileio``): a reader finds the old file or the new one."""
    return fileio.write_bytes(path, _faiss().serialize_index(index).tobytes())


def read_index(path: Path) -> Any | None:
    """The index in ``path``, or None when it is missing or unreadable (rebuild it then)."""
    faiss = _faiss()
    try:
        data = np.fromfile(path, dtype=np.uint8)
        return faiss.deserialize_index(data)
    except (OSError, RuntimeError, ValueError):
        return None


def stale_files(folder: Path, generation: int) -> list[Path]:
    """Index files of other generations and temporary files left by killed writers."""
    current = index_file(folder, generation).name
    return [p for p in folder.glob("index-*.faiss") if p.name != current] + \
        list(folder.glob(".index-*.tmp"))
