"""``check``: find every fault in shard files instead of meeting them mid-training.

HDF5 checksums none of the data, so a flipped byte in a heatmap chunk could decode silently;
each stored frame carries a CRC32 written with it, and ``check_shards`` verifies them all
(cheap for uint8: one pass over the compressed file). Also checked: the file opens (truncated
or corrupt files name the h5py fault), the schema version, the index against the groups,
shapes, dtypes, frame counts, NaN, and ``.partial`` files left by an interrupted writer.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from heatgait.data.schema import (
    FRAME_CRC_DATASET,
    HEATMAP_SHAPE,
    INDEX_DATASET,
    PARTIAL_SUFFIX,
    SEQUENCES_GROUP,
    SHARD_SUFFIX,
    SIDE_DATASETS,
    STORAGES,
)
from heatgait.data.shardset import _H5_ERRORS, _one_line, open_shard, read_index
from heatgait.errors import ShardError


@dataclass(frozen=True)
class Problem:
    """One fault found in one file (``key`` names the sequence when the fault is in one)."""

    file: Path
    fault: str
    key: str = ""

    def __str__(self) -> str:
        where = f"{self.file} [{self.key}]" if self.key else str(self.file)
        return f"{where}: {self.fault}"


def _targets(paths: str | Path | Sequence[str | Path]) -> list[Path]:
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    found: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            found.extend(sorted(item.glob(f"*{SHARD_SUFFIX}")))
            found.extend(sorted(item.glob(f"*{SHARD_SUFFIX}{PARTIAL_SUFFIX}")))
        else:
            found.append(item)
    return found


def _check_sequence(path: Path, group, key: str, num_frames: int, storage: str,
                    verify_checksums: bool) -> list[Problem]:
    problems: list[Problem] = []

    def fault(text: str) -> None:
        problems.append(Problem(path, text, key))

    expected = {"heatmaps": ((num_frames, *HEATMAP_SHAPE), STORAGES[storage]),
                FRAME_CRC_DATASET: ((num_frames,), np.dtype(np.uint32))}
    expected.update({name: ((num_frames, *shape), dtype)
                     for name, (shape, dtype) in SIDE_DATASETS.items()})
    for name, (shape, dtype) in expected.items():
        if name not in group:
            fault(f"dataset {name!r} missing")
        elif group[name].shape != shape or group[name].dtype != dtype:
            fault(f"dataset {name!r} is {group[name].dtype}{list(group[name].shape)}, "
                  f"expected {dtype}{list(shape)}")
    if num_frames == 0:
        fault("sequence has no frames")
    if problems or not verify_checksums:
        return problems
    crc = group[FRAME_CRC_DATASET][()]
    heatmaps = group["heatmaps"]
    for t in range(num_frames):
        frame = heatmaps[t]  # [17, 64, 48]
        if zlib.crc32(frame.tobytes()) != int(crc[t]):
            fault(f"frame {t} fails its checksum (corrupt heatmap data)")
            break
        if frame.dtype.kind == "f" and np.isnan(frame).any():
            fault(f"frame {t} holds NaN heatmap values")
            break
    if np.isnan(group["keypoints"][()]).any():
        fault("keypoints hold NaN")
    return problems


def check_shard(path: Path, verify_checksums: bool = True) -> list[Problem]:
    """All faults of one shard file."""
    if path.name.endswith(PARTIAL_SUFFIX):
        return [Problem(path, "unfinished shard left by an interrupted writer; rerun the "
                              "extraction to redo it (the rerun discards this file)")]
    try:
        rows = read_index(path)
        handle = open_shard(path)
    except ShardError as error:
        return [Problem(path, str(error).removeprefix(f"{path}: "))]
    problems: list[Problem] = []
    with handle:
        storage = handle.attrs.get("storage", "")
        storage = storage.decode() if isinstance(storage, bytes) else str(storage)
        if storage not in STORAGES:
            return [Problem(path, f"unknown storage attribute {storage!r}")]
        try:
            groups = set(handle[SEQUENCES_GROUP].keys())
        except _H5_ERRORS as error:
            return [Problem(path, f"sequence groups unreadable ({_one_line(error)})")]
        listed = {row.group for row in rows}
        for name in sorted(groups - listed):
            problems.append(Problem(path, f"group {name} is not in the {INDEX_DATASET} table"))
        keys = [row.key for row in rows]
        if len(set(keys)) != len(keys):
            problems.append(Problem(path, "index lists a key more than once"))
        for row in rows:
            if row.group not in groups:
                problems.append(Problem(path, f"index row points to missing group {row.group}",
                                        row.key))
                continue
            try:
                group = handle[SEQUENCES_GROUP][row.group]
                stored_key = group.attrs.get("key")
                if stored_key != row.key:
                    problems.append(Problem(path, f"group key {stored_key!r} disagrees with "
                                                  "the index", row.key))
                problems.extend(_check_sequence(path, group, row.key, row.num_frames, storage,
                                                verify_checksums))
            except _H5_ERRORS as error:
                problems.append(Problem(path, f"unreadable ({_one_line(error)})", row.key))
    return problems


def check_shards(paths: str | Path | Sequence[str | Path],
                 verify_checksums: bool = True) -> list[Problem]:
    """Faults of shard files, or of all shards (and leftover partials) in folders; [] if sound."""
    problems: list[Problem] = []
    for path in _targets(paths):
        if not path.exists():
            problems.append(Problem(path, "no such file"))
            continue
        problems.extend(check_shard(path, verify_checksums))
    return problems
