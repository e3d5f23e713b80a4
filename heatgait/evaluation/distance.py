"""Probe-gallery distances: Euclidean per horizontal part, averaged over parts, in chunks.

GaitHeat embeddings are [n, c, p] (p = 16 parts). The field's evaluators compute, for each
part, ||a||^2 + ||b||^2 - 2ab with one matrix product, clip at zero, take the square root and
average over parts (docs/design.md, section 4). Probes are processed ``chunk_size`` rows at a
time, and the chunk shrinks further when the gallery is large, so a 100k-sequence gallery
scores within bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from heatgait.errors import UsageError

# float32 cells of one [parts, chunk, gallery] intermediate (about 256 MB)
MAX_CELLS = 64 * 1024 * 1024


def as_parts(embeddings: Any) -> np.ndarray:
    """Embeddings as float32 [n, c, p]; [n, d] features count as one part."""
    if hasattr(embeddings, "detach"):
        embeddings = embeddings.detach().float().cpu().numpy()
    array = np.asarray(embeddings, dtype=np.float32)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise UsageError(f"embeddings must be [N, C, P] or [N, D], got shape {array.shape}")
    return array


def to_part_major(embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[n, c, p] -> part-major features [p, n, c] and their squared norms [p, n]."""
    parts = np.ascontiguousarray(np.transpose(embeddings, (2, 0, 1)))  # [p, n, c]
    return parts, np.einsum("pnc,pnc->pn", parts, parts)


def mean_part_distances(probe: np.ndarray, probe_sq: np.ndarray, gallery: np.ndarray,
                        gallery_sq: np.ndarray) -> np.ndarray:
    """Mean over parts of the Euclidean distance: [p, n, c] x [p, m, c] -> [n, m] float32.

    (Not :func:`heatgait.models.losses.part_distances`, the training loss's torch version.)
    One part at a time, so the [n, m] block stays in cache through its five passes; the sum
    runs over the parts in order, as ``mean(axis=0)`` of the stacked parts would, and the
    probe is scaled by -2 before the product (exact: a power of two), so the numbers are the
    same as the stacked computation's, bit for bit.
    """
    total = np.zeros((probe.shape[1], gallery.shape[1]), dtype=np.float32)
    scaled = probe * np.float32(-2.0)  # [p, n, c]
    for part in range(probe.shape[0]):
        block = scaled[part] @ gallery[part].T  # [n, m]: -2ab
        block += probe_sq[part][:, None]
        block += gallery_sq[part][None, :]
        np.maximum(block, 0.0, out=block)
        np.sqrt(block, out=block)
        total += block
    total /= np.float32(probe.shape[0])
    return total


def chunk_rows(num_probes: int, num_gallery: int, num_parts: int, chunk_size: int) -> int:
    """Probes per chunk: at most ``chunk_size`` and within :data:`MAX_CELLS` intermediates."""
    by_memory = max(1, MAX_CELLS // max(1, num_parts * num_gallery))
    return max(1, min(chunk_size, by_memory, max(1, num_probes)))


def distance_chunks(probe: np.ndarray, gallery: np.ndarray, chunk_size: int = 4096
                    ) -> Iterator[tuple[slice, np.ndarray]]:
    """Yields (probe rows, distances [rows, m]) over ``probe`` [n, c, p] vs ``gallery`` [m, c, p]."""
    if probe.shape[1:] != gallery.shape[1:]:
        raise UsageError(f"probe embeddings {probe.shape[1:]} and gallery embeddings "
                         f"{gallery.shape[1:]} differ in shape")
    yield from part_major_chunks(*to_part_major(probe), *to_part_major(gallery), chunk_size)


def part_major_chunks(probe: np.ndarray, probe_sq: np.ndarray, gallery: np.ndarray,
                      gallery_sq: np.ndarray, chunk_size: int = 4096
                      ) -> Iterator[tuple[slice, np.ndarray]]:
    """:func:`distance_chunks` of features already part-major (:func:`to_part_major`):
    ``probe`` [p, n, c] with ``probe_sq`` [p, n], ``gallery`` [p, m, c] with ``gallery_sq``.

    A protocol transposes all its sequences once and takes each probe set's rows from them.
    """
    num_parts, num_probes, num_gallery = probe.shape[0], probe.shape[1], gallery.shape[1]
    rows = chunk_rows(num_probes, num_gallery, num_parts, chunk_size)
    for start in range(0, num_probes, rows):
        block = slice(start, min(start + rows, num_probes))
        yield block, mean_part_distances(probe[:, block], probe_sq[:, block], gallery,
                                         gallery_sq)


def distance_matrix(probe: Any, gallery: Any, chunk_size: int = 4096) -> np.ndarray:
    """The whole [n, m] distance matrix (for small sets and tests)."""
    probe, gallery = as_parts(probe), as_parts(gallery)
    out = np.empty((len(probe), len(gallery)), dtype=np.float32)
    for block, dist in distance_chunks(probe, gallery, chunk_size):
        out[block] = dist
    return out
