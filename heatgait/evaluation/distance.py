"""Probe-gallery distances: Euclidean per horizontal part, averaged over parts, in chunks.

GaitHeat embeddings are [n, c, p] (p = 16 parts). The field's evaluators compute, for each
part, ||a||^2 + ||b||^2 - 2ab with one matrix product, clip at zero, take the square root and
average over parts (docs/design.md, section 4). Probes are processed ``chunk_size`` rows at a
time, and the chunk shrinks further when the gallery is large, so a 100k-sequence gallery
scores within a few hundred MB instead of materialising [parts, probes, gallery] at once.
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


def part_distances(probe: np.ndarray, probe_sq: np.ndarray, gallery: np.ndarray,
                   gallery_sq: np.ndarray) -> np.ndarray:
    """Mean over parts of the Euclidean distance: [p, n, c] x [p, m, c] -> [n, m] float32."""
    cross = np.matmul(probe, gallery.transpose(0, 2, 1))  # [p, n, m]
    cross *= -2.0
    cross += probe_sq[:, :, None]
    cross += gallery_sq[:, None, :]
    np.maximum(cross, 0.0, out=cross)
    np.sqrt(cross, out=cross)
    return cross.mean(axis=0)  # [n, m]


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
    gallery_parts, gallery_sq = to_part_major(gallery)
    rows = chunk_rows(len(probe), len(gallery), probe.shape[2], chunk_size)
    for start in range(0, len(probe), rows):
        block = slice(start, min(start + rows, len(probe)))
        probe_parts, probe_sq = to_part_major(probe[block])
        yield block, part_distances(probe_parts, probe_sq, gallery_parts, gallery_sq)


def distance_matrix(probe: Any, gallery: Any, chunk_size: int = 4096) -> np.ndarray:
    """The whole [n, m] distance matrix (for small sets and tests)."""
    probe, gallery = as_parts(probe), as_parts(gallery)
    out = np.empty((len(probe), len(gallery)), dtype=np.float32)
    for block, dist in distance_chunks(probe, gallery, chunk_size):
        out[block] = dist
    return out
