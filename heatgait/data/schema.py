"""Constants of the heatmap shard format (schema version 1) and its attribute encoding.

One place says what a shard holds, so the writer, the reader and ``check`` agree; the prose
version of this is ``docs/shards.md``. Bump ``SCHEMA_VERSION`` on any change a version-1 reader
could misread.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA_VERSION: int = 1
NUM_JOINTS = 17
HEATMAP_H = 64
HEATMAP_W = 48
HEATMAP_SHAPE = (NUM_JOINTS, HEATMAP_H, HEATMAP_W)

SHARD_SUFFIX = ".h5"
PARTIAL_SUFFIX = ".partial"
LOCK_SUFFIX = ".lock"

SEQUENCES_GROUP = "sequences"  # holds one numbered group per sequence: "sequences/000000"
INDEX_DATASET = "index"  # structured table, one row per sequence (see index_dtype)

# Per-sequence datasets: name -> (trailing shape, dtype). Heatmaps depend on the storage.
SIDE_DATASETS: dict[str, tuple[tuple[int, ...], np.dtype]] = {
    "keypoints": ((NUM_JOINTS, 3), np.dtype(np.float32)),
    "boxes": ((4,), np.dtype(np.float32)),
    "frame_indices": ((), np.dtype(np.int64)),
    "frame_scores": ((), np.dtype(np.float32)),
}
FRAME_CRC_DATASET = "frame_crc32"  # [T] uint32: zlib.crc32 of each stored heatmap frame's bytes

STORAGES: dict[str, np.dtype] = {"uint8": np.dtype(np.uint8), "float16": np.dtype(np.float16)}
UINT8_SCALE = 255.0

# Lossless compression of the heatmap chunks; chosen by benchmarks/bench_storage.py.
COMPRESSION = "gzip"
COMPRESSION_LEVEL = 4

INDEX_FIELDS = ("key", "subject", "type", "view", "dataset", "group")
_EXTRA_ATTR = "extra_json"  # attributes that are not HDF5 scalars travel as one JSON string


def index_dtype(max_len: int) -> np.dtype:
    """Compound dtype of the per-shard index: fixed-length UTF-8 strings and a frame count."""
    fields = [(name, f"S{max(max_len, 1)}") for name in INDEX_FIELDS]
    return np.dtype(fields + [("num_frames", np.int64)])


def storage_dtype(storage: str) -> np.dtype:
    """The on-disk dtype of heatmaps for a storage name ("uint8" or "float16")."""
    if storage not in STORAGES:
        raise ValueError(f"unknown heatmap storage {storage!r}; use one of {sorted(STORAGES)}")
    return STORAGES[storage]


def encode_heatmaps(heatmaps: np.ndarray, storage: str) -> np.ndarray:
    """Float heatmaps in [0, 1] -> the stored array (uint8 rounds to 1/255 steps)."""
    clipped = np.clip(heatmaps, 0.0, 1.0)
    if storage == "uint8":
        return np.rint(clipped * UINT8_SCALE).astype(np.uint8)
    return clipped.astype(storage_dtype(storage))


def decode_heatmaps(stored: np.ndarray) -> np.ndarray:
    """The stored array -> float32 heatmaps in [0, 1]."""
    if stored.dtype == np.uint8:
        return stored.astype(np.float32) * np.float32(1.0 / UINT8_SCALE)
    return stored.astype(np.float32)


def write_attrs(obj: Any, values: dict[str, Any]) -> None:
    """Store a dict as HDF5 attributes: scalars natively (readable in h5dump), the rest as JSON."""
    extra: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, Path):
            value = str(value)
        if isinstance(value, (str, bool, int, float)):
            obj.attrs[name] = value
        else:
            extra[name] = value
    if extra:
        obj.attrs[_EXTRA_ATTR] = json.dumps(extra, default=str)


def read_attrs(obj: Any) -> dict[str, Any]:
    """Inverse of ``write_attrs``."""
    out: dict[str, Any] = {}
    for name, value in obj.attrs.items():
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        elif isinstance(value, np.generic):
            value = value.item()
        out[name] = value
    extra = out.pop(_EXTRA_ATTR, None)
    if extra:
        out.update(json.loads(extra))
    return out
