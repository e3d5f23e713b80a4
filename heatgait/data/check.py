"""``check``: find every fault in shard files instead of meeting them mid-training.

HDF5 checksums none of the data, so a flipped byte in a heatmap chunk could decode silently;
each stored frame carries a CRC32 written with it, and ``check_shards`` verifies them all
(cheap for uint8: one pass over the compressed file). Also checked: the file opens (truncated
or corrupt files name the h5py fault), the schema version, the index against the groups,
shapes, dtypes, frame counts, NaN, and ``.partial`` files left by an interrupted writer.
``check_report`` adds what ``heatgait check`` prints: the files found, each file's heatmap
storage and, when all is sound, what they hold.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from heatgait.data.schema import (
    FRAME_CRC_DATASET,
    HEATMAP_SHAPE,
    INDEX_DATASET,
    KEYPOINTS_STORAGE,
    LEGACY_STORAGE,
    PARTIAL_SUFFIX,
    SEQUENCES_GROUP,
    SIDE_DATASETS,
    STORAGES,
    read_storage,
)
from heatgait.data.shardset import (
    _H5_ERRORS,
    ShardSet,
    ShardSummary,
    _one_line,
    find_shards,
    open_shard,
    read_index,
)
from heatgait.errors import ShardError, UsageError


@dataclass(frozen=True)
class Problem:
    """One fault found in one file (``key`` names the sequence when the fault is in one)."""

    file: Path
    fault: str
    key: str = ""

    def __str__(self) -> str:
        where = f"{self.file} [{self.key}]" if self.key else str(self.file)
        return f"{where}: {self.fault}"


def _check_sequence(path: Path, group, key: str, num_frames: int, storage: str | None,
                    verify_checksums: bool) -> list[Problem]:
    problems: list[Problem] = []

    def fault(text: str) -> None:
        problems.append(Problem(path, text, key))

    if storage == KEYPOINTS_STORAGE:  # no maps: they are drawn from the keypoints
        dtype = np.dtype(np.float32)
    elif storage:
        dtype = STORAGES[storage]
    else:  # no storage attribute (legacy): the dtype decides, as the readers do
        found = group["heatmaps"].dtype if "heatmaps" in group else None
        dtype = found if found in (np.uint8, np.float16) else STORAGES[LEGACY_STORAGE]
    expected = {"heatmaps": ((num_frames, *HEATMAP_SHAPE), dtype),
                FRAME_CRC_DATASET: ((num_frames,), np.dtype(np.uint32))}
    if storage == KEYPOINTS_STORAGE:
        expected = {}
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
    if problems or not verify_checksums or storage == KEYPOINTS_STORAGE:
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
        storage = read_storage(handle)
        if storage is not None and storage not in (*STORAGES, KEYPOINTS_STORAGE):
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
    return _check_targets(find_shards(paths, partials=True, missing="keep"), verify_checksums)


def _check_targets(targets: list[Path], verify_checksums: bool) -> list[Problem]:
    problems: list[Problem] = []
    for path in targets:
        if not path.exists():
            problems.append(Problem(path, "no such file"))
            continue
        problems.extend(check_shard(path, verify_checksums))
    return problems


@dataclass(frozen=True)
class CheckReport:
    """The outcome of checking some shards: every fault, and what the sound ones hold."""

    files: list[Path]  # the shard files found (partials and missing paths not counted)
    problems: list[Problem]
    summary: ShardSummary | None  # counted only when there is no problem
    storages: dict[Path, str] = field(default_factory=dict)  # each readable file's encoding

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_files(self) -> int:
        return len({p.file for p in self.problems})


def check_report(paths: str | Path | Sequence[str | Path],
                 verify_checksums: bool = True) -> CheckReport:
    """:func:`check_shards` plus the files found and, when all is sound, their summary.

    Paths that hold nothing to check at all (no shard, no partial, no fault) are a one-line
    UsageError.
    """
    targets = find_shards(paths, partials=True, missing="keep")
    files = [p for p in targets if p.is_file() and not p.name.endswith(PARTIAL_SUFFIX)]
    problems = _check_targets(targets, verify_checksums)
    if not files and not problems:
        names = [paths] if isinstance(paths, (str, Path)) else list(paths)
        raise UsageError(f"no shard files in {', '.join(map(str, names))}; give .h5 files or "
                         "folders that hold them")
    summary = None if problems else ShardSet(files, verify=False).summary()
    return CheckReport(files=files, problems=problems, summary=summary,
                       storages=storage_names(files))


def storage_names(files: Sequence[Path]) -> dict[Path, str]:
    """Each readable shard's heatmap storage as ``check`` prints it (unreadable ones left out)."""
    names: dict[Path, str] = {}
    for path in files:
        try:
            with open_shard(path) as handle:
                storage = read_storage(handle)
        except ShardError:
            continue
        names[path] = storage or f"{LEGACY_STORAGE} (no storage attribute: linear, as written " \
                                 "before it existed)"
    return names
