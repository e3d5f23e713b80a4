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
# Version 2 is version 1 plus the "uint8-sqrt" storage. Only shards of that storage carry it:
# a version-1 reader (heatgait before it) would decode their uint8 linearly without noticing,
# so it must refuse them; every other shard stays version 1, readable by any heatgait.
SQRT_SCHEMA_VERSION: int = 2
# Version 3: shards of the "keypoints" storage hold no heatmaps dataset (a keypoint import that
# leaves the maps to be drawn from the keypoints on every read); older readers must refuse them.
KEYPOINTS_SCHEMA_VERSION: int = 3
READABLE_SCHEMA_VERSIONS: tuple[int, ...] = (SCHEMA_VERSION, SQRT_SCHEMA_VERSION,
                                             KEYPOINTS_SCHEMA_VERSION)
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

# Storage name (the shard's ``storage`` attribute) -> on-disk dtype of the heatmaps:
# - "uint8": round(255 * h), decoded q / 255. Every value below 1/510 becomes 0.
# - "uint8-sqrt": round(255 * sqrt(h)), decoded (q / 255)^2: the same bytes, but steps of
#   about 2 sqrt(h) / 255 instead of 1/255, so the low-amplitude shade down to 1/510^2
#   (3.8e-6) survives (benchmarks/bench_storage.py --real). Decoding is one multiply more,
#   exactly rounded in IEEE float32 on every device (heatgait.data.model_input).
# - "float16": h as float16 (about 2x the bytes on disk of uint8 + gzip).
STORAGES: dict[str, np.dtype] = {"uint8": np.dtype(np.uint8), "uint8-sqrt": np.dtype(np.uint8),
                                 "float16": np.dtype(np.float16)}
SQRT_STORAGE = "uint8-sqrt"
LEGACY_STORAGE = "uint8"  # what a shard without a storage attribute holds
DEFAULT_STORAGE = "uint8-sqrt"  # writers' default; chosen in benchmarks/README.md "Storage"
# No maps on disk: keypoints only, drawn by the shard's ``rendering`` whenever frames are read
# (float32). For keypoint imports: 232 against ~2,800 bytes a frame, and drawing is faster
# than reading the maps back (benchmarks/README.md "Keypoint import").
KEYPOINTS_STORAGE = "keypoints"
UINT8_SCALE = 255.0

# Lossless compression of the heatmap chunks: heatgait.data.codecs (zstd-3; gzip-4 before).

INDEX_FIELDS = ("key", "subject", "type", "view", "dataset", "group")
_EXTRA_ATTR = "extra_json"  # attributes that are not HDF5 scalars travel as one JSON string


def index_dtype(max_len: int) -> np.dtype:
    """Compound dtype of the per-shard index: fixed-length UTF-8 strings and a frame count."""
    fields = [(name, f"S{max(max_len, 1)}") for name in INDEX_FIELDS]
    return np.dtype(fields + [("num_frames", np.int64)])


def storage_dtype(storage: str) -> np.dtype:
    """The on-disk dtype of heatmaps for a storage name (a key of ``STORAGES``)."""
    if storage not in STORAGES:
        raise ValueError(f"unknown heatmap storage {storage!r}; use one of {sorted(STORAGES)}")
    return STORAGES[storage]


def schema_version_for(storage: str) -> int:
    """The schema version a shard of this storage is written with (see SQRT_SCHEMA_VERSION)."""
    if storage == KEYPOINTS_STORAGE:
        return KEYPOINTS_SCHEMA_VERSION
    return SQRT_SCHEMA_VERSION if storage == SQRT_STORAGE else SCHEMA_VERSION


def encode_heatmaps(heatmaps: np.ndarray, storage: str) -> np.ndarray:
    """Float heatmaps in [0, 1] -> the stored array (uint8 rounds to 1/255 steps, uint8-sqrt
    to 1/255 steps of the square root)."""
    clipped = np.clip(heatmaps, 0.0, 1.0)
    if storage == "uint8":
        return np.rint(clipped * UINT8_SCALE).astype(np.uint8)
    if storage == SQRT_STORAGE:
        return np.rint(np.sqrt(clipped) * UINT8_SCALE).astype(np.uint8)
    return clipped.astype(storage_dtype(storage))


def is_squared(stored_dtype: np.dtype, storage: str | None) -> bool:
    """Whether stored values of this dtype and storage decode through the square curve.

    Only uint8 arrays of a "uint8-sqrt" shard do; float arrays (float16 shards, heatmaps
    regenerated from keypoints) and shards without a storage attribute decode by dtype.
    """
    return storage == SQRT_STORAGE and np.dtype(stored_dtype) == np.uint8


def decode_heatmaps(stored: np.ndarray, storage: str | None = None) -> np.ndarray:
    """The stored array -> float32 heatmaps in [0, 1].

    ``storage``: the shard's storage name; None decodes by dtype (uint8 linearly), as every
    shard written before "uint8-sqrt" existed must be read.
    """
    if stored.dtype == np.uint8:
        decoded = stored.astype(np.float32) * np.float32(1.0 / UINT8_SCALE)
        if is_squared(stored.dtype, storage):
            decoded *= decoded  # float32, exactly rounded: what to_model_input computes
        return decoded
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


def read_storage(shard: Any) -> str | None:
    """The storage name an open shard records (its ``storage`` attribute); None when it has
    none, which readers decode by dtype (uint8 linearly), as before "uint8-sqrt" existed."""
    value = shard.attrs.get("storage")
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


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
