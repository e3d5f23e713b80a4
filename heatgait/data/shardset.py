"""Reading heatmap shards: a folder of shard files seen as one indexed list of sequences.

``ShardSet`` opens from the small per-shard index tables only (no visit of sequence groups),
and opens HDF5 files lazily, once per process, so the same object works in the main process
and inside DataLoader worker processes (h5py handles must not cross a fork). Every h5py
failure is turned into a one-line ``ShardError`` naming the file and the sequence.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import h5py
import numpy as np

from heatgait.data.codecs import LEGACY_COMPRESSION, require_plugins
from heatgait.data.frames import read_frames
from heatgait.data.regenerate import regenerate_heatmaps
from heatgait.data.render import render_pose_model
from heatgait.data.schema import (
    FRAME_CRC_DATASET,
    INDEX_DATASET,
    KEYPOINTS_STORAGE,
    PARTIAL_SUFFIX,
    READABLE_SCHEMA_VERSIONS,
    SEQUENCES_GROUP,
    SHARD_SUFFIX,
    decode_heatmaps,
    read_attrs,
    read_storage,
)
from heatgait.errors import ShardError, UsageError

_H5_ERRORS = (OSError, KeyError, ValueError, RuntimeError, TypeError)


@dataclass(frozen=True)
class SequenceInfo:
    """One row of a shard index: what a sequence is and where it lives."""

    key: str
    subject: str
    type: str
    view: str
    num_frames: int
    shard: Path
    dataset: str
    group: str = ""  # the sequence's group name inside the shard ("000042")


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def open_shard(path: Path) -> h5py.File:
    """Open a finished shard for reading, checking its schema version; ShardError otherwise."""
    try:
        handle = h5py.File(path, "r")
    except _H5_ERRORS as error:
        raise ShardError(f"{path}: not a readable shard ({_one_line(error)}); the file is "
                         "truncated or corrupt: re-extract it") from None
    version = handle.attrs.get("schema_version")
    if version is None:
        handle.close()
        raise ShardError(f"{path}: no schema_version attribute; not a heatgait shard")
    if int(version) not in READABLE_SCHEMA_VERSIONS:
        handle.close()
        raise ShardError(f"{path}: shard schema version {int(version)} is not supported (this "
                         f"heatgait reads versions {READABLE_SCHEMA_VERSIONS}); upgrade heatgait "
                         "or re-extract")
    if handle.attrs.get("compression", LEGACY_COMPRESSION) != LEGACY_COMPRESSION:
        try:
            require_plugins(str(path))  # zstd chunks: HDF5 needs hdf5plugin's filter
        except ShardError:
            handle.close()
            raise
    return handle


def read_index(path: str | Path) -> list[SequenceInfo]:
    """The index rows of one shard, without visiting its sequence groups."""
    path = Path(path)
    with open_shard(path) as handle:
        try:
            table = handle[INDEX_DATASET][()]
        except _H5_ERRORS as error:
            raise ShardError(f"{path}: index table unreadable ({_one_line(error)}); "
                             "re-extract this shard") from None
    columns = {name: np.char.decode(table[name], "utf-8").tolist()
               for name in ("key", "subject", "type", "view", "dataset", "group")}
    frames = table["num_frames"].tolist()
    return [SequenceInfo(key=columns["key"][i], subject=columns["subject"][i],
                         type=columns["type"][i], view=columns["view"][i], num_frames=frames[i],
                         shard=path, dataset=columns["dataset"][i], group=columns["group"][i])
            for i in range(len(frames))]


def find_shards(paths: str | Path | Sequence[str | Path], *, partials: bool = False,
                missing: Literal["error", "keep"] = "error") -> list[Path]:
    """The shard files that ``paths`` name: each file as given, and for each folder its
    finished shards (``*.h5``, sorted), then with ``partials`` its unfinished
    ``*.h5.partial`` files (sorted).

    A path that does not exist raises a one-line ShardError (``missing="error"``, for
    readers), or is listed as it is (``"keep"``, for ``check``, which reports it).
    """
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    found: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            found.extend(sorted(item.glob(f"*{SHARD_SUFFIX}")))
            if partials:
                found.extend(sorted(item.glob(f"*{SHARD_SUFFIX}{PARTIAL_SUFFIX}")))
        elif item.is_file() or missing == "keep":
            found.append(item)
        else:
            raise ShardError(f"{item}: no such shard file or folder; check the path")
    return found


@dataclass(frozen=True)
class ShardSummary:
    """What a set of shards holds, counted from their index tables."""

    files: int
    sequences: int
    frames: int
    subjects: int


class ShardSet:
    """All sequences of one or more shard files / folders, in a stable order."""

    def __init__(self, paths: str | Path | Sequence[str | Path], *, verify: bool = True):
        """``verify`` checks each read frame against its stored CRC32 (cheap; catches bit rot)."""
        self.verify = verify
        self.source = paths  # as given: error messages name it
        self.files = find_shards(paths)
        self.sequences: list[SequenceInfo] = []
        for path in self.files:
            self.sequences.extend(read_index(path))
        self._positions: dict[str, int] | None = None
        self._handles: dict[Path, h5py.File] = {}
        self._storages: dict[Path, str | None] = {}  # per shard, read when it is first opened
        self._renderings: dict[Path, str | None] = {}  # keypoint imports: how maps are drawn
        self._pid = os.getpid()

    def __len__(self) -> int:
        return len(self.sequences)

    def index_of(self, key: str) -> int:
        """Position of the sequence ``key`` (``subject/type/view[/track-N]``).

        An unknown key is a one-line UsageError that suggests up to five keys that are there:
        those starting with ``key``, else the first five.
        """
        if self._positions is None:  # the first one where a key is listed twice
            self._positions = {}
            for i, info in enumerate(self.sequences):
                self._positions.setdefault(info.key, i)
        if key not in self._positions:
            keys = [info.key for info in self.sequences]
            near = [k for k in keys if k.startswith(key)] or keys[:5]
            where = self.source if isinstance(self.source, (str, Path)) else \
                ", ".join(map(str, self.source))
            raise UsageError(f"no sequence {key!r} in {where}; try one of: "
                             f"{', '.join(near[:5])}")
        return self._positions[key]

    def summary(self) -> ShardSummary:
        """Files, sequences, frames and subjects, from the index tables (nothing is read)."""
        return ShardSummary(files=len(self.files), sequences=len(self.sequences),
                            frames=sum(info.num_frames for info in self.sequences),
                            subjects=len({info.subject for info in self.sequences}))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_handles"] = {}
        return state

    def _handle(self, shard: Path) -> h5py.File:
        if self._pid != os.getpid():  # forked into a worker: never reuse the parent's handles
            self._handles, self._pid = {}, os.getpid()
        handle = self._handles.get(shard)
        if handle is None:
            handle = self._handles[shard] = open_shard(shard)
            self._storages[shard] = read_storage(handle)
            rendering = handle.attrs.get("rendering")
            self._renderings[shard] = rendering.decode() if isinstance(rendering, bytes) \
                else rendering
        return handle

    def _group(self, index: int) -> tuple[SequenceInfo, h5py.Group]:
        info = self.sequences[index]
        handle = self._handle(info.shard)
        try:
            return info, handle[SEQUENCES_GROUP][info.group]
        except _H5_ERRORS as error:
            raise self._error(info, error) from None

    @staticmethod
    def _error(info: SequenceInfo, error: BaseException) -> ShardError:
        return ShardError(f"{info.shard}: sequence {info.key} unreadable ({_one_line(error)}); "
                          "run `heatgait check` on it and re-extract the shard")

    def storage(self, index: int) -> str | None:
        """The storage name of the sequence's shard (None: no attribute, decode by dtype)."""
        shard = self.sequences[index].shard
        self._handle(shard)
        return self._storages[shard]

    def read(self, index: int, frames: np.ndarray | None = None) -> np.ndarray:
        """Heatmaps [t, 17, 64, 48] float32 in [0, 1]; ``frames``: sorted positions to read."""
        return decode_heatmaps(self.read_stored(index, frames), self.storage(index))

    def read_stored(self, index: int, frames: np.ndarray | None = None) -> np.ndarray:
        """Heatmaps [t, 17, 64, 48] as stored (uint8 or float16), each frame CRC-checked;
        :meth:`storage` says how they decode. A "keypoints" shard draws them (float32) from
        its keypoints with its ``rendering``.

        ``frames``: sorted positions to read (repeats allowed); all frames when None.
        """
        if self.storage(index) == KEYPOINTS_STORAGE:
            return self._draw(index, frames)
        info, group = self._group(index)
        try:
            dataset = group["heatmaps"]
            if frames is None:
                unique, inverse = np.arange(info.num_frames), None
            else:
                positions = np.asarray(frames, dtype=np.int64)
                unique, inverse = np.unique(positions, return_inverse=True)
                if len(unique) and (unique[0] < 0 or unique[-1] >= info.num_frames):
                    raise IndexError(f"frame positions must lie in [0, {info.num_frames})")
            stored = read_frames(dataset, unique)  # [u, 17, 64, 48], each frame once
            crc = group[FRAME_CRC_DATASET][()] if self.verify else None
        except IndexError:
            raise
        except _H5_ERRORS as error:
            raise self._error(info, error) from None
        if crc is not None:
            for frame_number, frame in zip(unique.tolist(), stored):
                if zlib.crc32(frame) != int(crc[frame_number]):
                    raise ShardError(f"{info.shard}: sequence {info.key} frame {frame_number} "
                                     "fails its checksum (corrupt data); re-extract the shard")
        if inverse is None or np.array_equal(inverse, np.arange(len(inverse))):
            return stored  # sorted without repeats: already in order, no copy
        return stored[inverse]

    def _draw(self, index: int, frames: np.ndarray | None) -> np.ndarray:
        keypoints = self.read_keypoints(index)
        positions = np.arange(len(keypoints)) if frames is None else \
            np.asarray(frames, dtype=np.int64)
        if len(positions) and (positions.min() < 0 or positions.max() >= len(keypoints)):
            raise IndexError(f"frame positions must lie in [0, {len(keypoints)})")
        if self._renderings.get(self.sequences[index].shard) == "skeletongait":
            return regenerate_heatmaps(keypoints, positions)
        return render_pose_model(keypoints[positions])

    def read_keypoints(self, index: int) -> np.ndarray:
        """Decoded keypoints [T, 17, 3] (x, y, score in heatmap pixels)."""
        info, group = self._group(index)
        try:
            return group["keypoints"][()]
        except _H5_ERRORS as error:
            raise self._error(info, error) from None

    def read_side(self, index: int, name: str) -> np.ndarray:
        """Any per-sequence side dataset: "boxes", "frame_indices", "frame_scores", ..."""
        info, group = self._group(index)
        try:
            return group[name][()]
        except _H5_ERRORS as error:
            raise self._error(info, error) from None

    def attrs(self, index: int) -> dict[str, Any]:
        """The shard's attributes (pose model, detector, versions) updated by the sequence's."""
        info, group = self._group(index)
        try:
            values = read_attrs(group.file)
            values.update(read_attrs(group))
        except _H5_ERRORS as error:
            raise self._error(info, error) from None
        return values

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles = {}
