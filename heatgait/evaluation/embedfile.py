"""The embeddings file (``.npz``): test embeddings with their labels, re-scored without a
network by ``heatgait eval --embeddings``.

numpy only, so scoring a saved file never loads torch. The file is written through
:func:`heatgait.fileio.atomic_open`: a reader finds the old file or the new one, never half.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from heatgait.errors import UsageError
from heatgait.fileio import atomic_open

EMBEDDING_KEYS = ("embeddings", "labels", "types", "views")


def save_embeddings(path: str | Path, embeddings: np.ndarray, labels: Sequence[str],
                    types: Sequence[str], views: Sequence[str], **meta: str) -> Path:
    """Writes the four arrays (plus text ``meta`` such as the checkpoint) to a ``.npz``."""
    path = Path(path)
    extra = {f"meta_{k}": np.asarray(str(v)) for k, v in meta.items()}
    with atomic_open(path, "wb") as handle:  # a handle keeps numpy from appending ".npz"
        np.savez(handle, embeddings=np.asarray(embeddings, dtype=np.float32),
                 labels=np.asarray(labels).astype(str), types=np.asarray(types).astype(str),
                 views=np.asarray(views).astype(str), **extra)
    return path


def load_embeddings(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Reads a ``.npz`` with embeddings, labels, types and views (all of one length)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in EMBEDDING_KEYS if k not in data.files]
            if missing:
                raise UsageError(f"{path}: no array {missing[0]!r}; an embeddings file holds "
                                 f"{', '.join(EMBEDDING_KEYS)} (write one with --save-embeddings)")
            arrays = tuple(data[k] for k in EMBEDDING_KEYS)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such embeddings file") from None
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise UsageError(f"{path}: not a readable .npz ({error}); write one with "
                         "--save-embeddings") from None
    lengths = {k: len(a) for k, a in zip(EMBEDDING_KEYS, arrays)}
    if len(set(lengths.values())) != 1:
        raise UsageError(f"{path}: arrays differ in length ("
                         + ", ".join(f"{k} {n}" for k, n in lengths.items()) + ")")
    return arrays  # type: ignore[return-value]
