"""Writing heatmap shards: atomic, resumable, one writer per file.

A shard is one HDF5 file of many sequences (layout in ``docs/shards.md``). ``ShardWriter`` is
the one place that encodes, compresses and stamps heatmaps; ``ShardSeries`` the one place that
numbers and rotates shard files (``write_shards`` and the extraction runner both use it). The
writer fills
``name.h5.partial`` and renames it to ``name.h5`` only after the index is written and the file
is fsynced, so a file under a final name is always complete. A ``name.h5.lock`` held with
``flock`` keeps a second writer out; a ``.partial`` found while the lock is free was left by a
killed run and is discarded. ``write_shards`` skips keys already in finished shards, so
rerunning an interrupted extraction redoes only the missing sequences, each exactly once.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
from tqdm import tqdm
from typing_extensions import Self

import heatgait
from heatgait.data.codecs import DEFAULT_COMPRESSION, filter_options, writable
from heatgait.data.records import SequenceRecord
from heatgait.data.schema import (
    DEFAULT_STORAGE,
    FRAME_CRC_DATASET,
    HEATMAP_SHAPE,
    INDEX_DATASET,
    INDEX_FIELDS,
    KEYPOINTS_STORAGE,
    LOCK_SUFFIX,
    PARTIAL_SUFFIX,
    SEQUENCES_GROUP,
    SHARD_SUFFIX,
    SIDE_DATASETS,
    encode_heatmaps,
    index_dtype,
    schema_version_for,
    storage_dtype,
    write_attrs,
)
from heatgait.data.shardset import SequenceInfo, ShardSet, find_shards, read_index
from heatgait.errors import ShardError
from heatgait.fileio import durable_replace

__all__ = ["SequenceInfo", "ShardSeries", "ShardSet", "ShardWriter", "existing_keys",
           "write_shards"]

log = logging.getLogger(__name__)


class ShardWriter:
    """Context manager writing sequences into one shard file, atomically on ``close()``."""

    def __init__(self, path: str | Path, storage: str = DEFAULT_STORAGE,
                 attrs: dict | None = None, compression: str = DEFAULT_COMPRESSION):
        self.path = Path(path)
        self.storage = storage
        if storage != KEYPOINTS_STORAGE:
            storage_dtype(storage)  # an unknown storage fails here
        self.compression = writable(compression)
        self._filter = filter_options(self.compression)
        if self.path.exists():
            raise ShardError(f"{self.path}: shard already exists; delete it or write another name")
        self.partial = self.path.with_name(self.path.name + PARTIAL_SUFFIX)
        self._lock_path = self.path.with_name(self.path.name + LOCK_SUFFIX)
        self._lock_fd = os.open(self._lock_path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise ShardError(f"{self.path}: another process is writing this shard; wait for it "
                             "or write to another folder") from None
        if self.partial.exists():
            log.info("discarding %s left by an interrupted run", self.partial)
            self.partial.unlink()
        self._file = h5py.File(self.partial, "w-")
        file_attrs = dict(attrs or {})
        file_attrs.update(schema_version=schema_version_for(storage),
                          heatgait_version=heatgait.__version__, storage=storage,
                          compression=self.compression)
        write_attrs(self._file, file_attrs)
        self._sequences = self._file.create_group(SEQUENCES_GROUP)
        self._rows: list[dict[str, Any]] = []
        self._keys: set[str] = set()
        self._closed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._rows)

    def write(self, record: SequenceRecord) -> bool:
        """Add one sequence; False (and a log line saying why) when it is skipped."""
        if record.num_frames == 0:
            log.warning("sequence %s has no frames (all dropped or none detected); not written",
                        record.key)
            return False
        if record.key in self._keys:
            log.warning("sequence %s is already in %s; not written twice", record.key, self.path)
            return False
        if self.storage == KEYPOINTS_STORAGE:
            record.heatmaps = None  # drawn from the keypoints when read, never stored
        record.validate()
        name = f"{len(self._rows):06d}"
        group = self._sequences.create_group(name)
        if self.storage != KEYPOINTS_STORAGE:
            stored = encode_heatmaps(np.asarray(record.heatmaps), self.storage)  # [T, 17, 64, 48]
            group.create_dataset("heatmaps", data=stored, chunks=(1, *HEATMAP_SHAPE),
                                 **self._filter)
            crc = np.array([zlib.crc32(frame.tobytes()) for frame in stored], dtype=np.uint32)
            group.create_dataset(FRAME_CRC_DATASET, data=crc)
        for field, (_, dtype) in SIDE_DATASETS.items():
            group.create_dataset(field, data=np.asarray(getattr(record, field), dtype=dtype))
        values = dict(record.meta)
        values.update(key=record.key, subject=record.subject, type=record.type,
                      view=record.view, dataset=record.dataset, source=record.source,
                      num_frames=record.num_frames, storage=self.storage)
        if record.track is not None:
            values["track"] = int(record.track)
        write_attrs(group, values)
        self._rows.append({"key": record.key, "subject": record.subject, "type": record.type,
                           "view": record.view, "dataset": record.dataset, "group": name,
                           "num_frames": record.num_frames})
        self._keys.add(record.key)
        return True

    def close(self) -> None:
        """Write the index, fsync, and rename the partial file to its final name."""
        if self._closed:
            return
        encoded = [{k: str(row[k]).encode("utf-8") for k in INDEX_FIELDS} for row in self._rows]
        max_len = max((len(v) for row in encoded for v in row.values()), default=1)
        table = np.zeros(len(self._rows), dtype=index_dtype(max_len))
        for i, (row, enc) in enumerate(zip(self._rows, encoded)):
            table[i] = (*(enc[k] for k in INDEX_FIELDS), row["num_frames"])
        self._file.create_dataset(INDEX_DATASET, data=table)
        self._file.close()
        durable_replace(self.partial, self.path)  # fsync, rename, fsync of the folder
        self._release()

    def abort(self) -> None:
        """Drop everything written so far (after an error): no file under the final name."""
        if self._closed:
            return
        self._file.close()
        self.partial.unlink(missing_ok=True)
        self._release()

    def _release(self) -> None:
        self._closed = True
        self._lock_path.unlink(missing_ok=True)
        fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        os.close(self._lock_fd)


def existing_keys(out_dir: str | Path) -> set[str]:
    """Keys of the sequences in the finished shards of a folder (read from their indexes)."""
    folder = Path(out_dir)
    if not folder.is_dir():
        return set()
    keys: set[str] = set()
    for path in find_shards(folder):
        keys.update(row.key for row in read_index(path))
    return keys


class ShardSeries:
    """Numbered shards ``<prefix>-00000.h5``, ``<prefix>-00001.h5`` ... in one folder, each
    closed once it holds ``sequences_per_shard`` sequences.

    Numbering continues after the highest finished shard of the prefix. ``discard_stale``
    deletes the prefix's ``.partial`` files left by a killed run (for an owner of the prefix,
    like one rank of an extraction); otherwise each is discarded when its number is reused.
    """

    def __init__(self, folder: str | Path, prefix: str = "shard", *,
                 storage: str = DEFAULT_STORAGE, sequences_per_shard: int = 256,
                 attrs: dict | None = None, discard_stale: bool = False,
                 compression: str = DEFAULT_COMPRESSION):
        self.folder = Path(folder)
        self.prefix, self.storage, self.attrs = prefix, storage, attrs
        self.compression = compression
        self.sequences_per_shard = sequences_per_shard
        if storage != KEYPOINTS_STORAGE:
            storage_dtype(storage)  # an unknown storage fails here, before any file is made
        self.folder.mkdir(parents=True, exist_ok=True)
        pattern = re.compile(rf"^{re.escape(prefix)}-(\d+){re.escape(SHARD_SUFFIX)}$")
        numbers = [int(m.group(1)) for p in self.folder.iterdir() if (m := pattern.match(p.name))]
        self.next_number = max(numbers, default=-1) + 1
        if discard_stale:
            for stale in self.folder.glob(f"{prefix}-*{SHARD_SUFFIX}{PARTIAL_SUFFIX}"):
                stale.unlink()
        self.writer: ShardWriter | None = None
        self.written: list[Path] = []

    def write(self, records: Iterable[SequenceRecord]) -> int:
        """Write records into the current shard (together: a shard closes only after them);
        how many were written (skips are logged by ``ShardWriter.write``)."""
        if self.writer is None:
            name = f"{self.prefix}-{self.next_number:05d}{SHARD_SUFFIX}"
            self.writer = ShardWriter(self.folder / name, self.storage, self.attrs,
                                      self.compression)
            self.next_number += 1
        count = sum(self.writer.write(record) for record in records)
        if len(self.writer) >= self.sequences_per_shard:
            self._finish()
        return count

    def close(self) -> list[Path]:
        """Finish the open shard (dropped if it holds nothing); the paths written, in order."""
        if self.writer is not None:
            if len(self.writer):
                self._finish()
            else:
                self.writer.abort()
                self.writer = None
        return self.written

    def abort(self) -> None:
        """Drop the open shard (after an error); finished ones stay."""
        if self.writer is not None:
            self.writer.abort()
            self.writer = None

    def _finish(self) -> None:
        assert self.writer is not None
        self.writer.close()
        self.written.append(self.writer.path)
        self.writer = None


def write_shards(records: Iterable[SequenceRecord], out_dir: str | Path, *, prefix: str = "shard",
                 storage: str = DEFAULT_STORAGE, sequences_per_shard: int = 256,
                 attrs: dict | None = None, progress: bool = True,
                 compression: str = DEFAULT_COMPRESSION) -> list[Path]:
    """Write records into numbered shards ``<prefix>-00000.h5`` ... under ``out_dir``.

    Keys already present in finished shards there are skipped (resumable); the paths of the
    shards written by this call are returned. ``records`` is consumed lazily, so a generator
    that extracts one video at a time keeps memory flat.
    """
    series = ShardSeries(out_dir, prefix, storage=storage, compression=compression,
                         sequences_per_shard=sequences_per_shard, attrs=attrs)
    done = existing_keys(series.folder)
    bar = tqdm(records, desc="writing shards", unit="seq", disable=not progress or None)
    try:
        for record in bar:
            if record.key not in done and series.write([record]):
                done.add(record.key)
        return series.close()
    finally:
        bar.close()
        series.abort()
