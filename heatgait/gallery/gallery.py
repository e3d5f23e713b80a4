"""A gallery folder: enrolled walkers, their embeddings, a candidate index and a calibration.

    GALLERY/gallery.sqlite       entries and meta: the source of truth (store.py)
    GALLERY/index-NNNNNN.faiss   candidate index of generation N, derived (index.py)
    GALLERY/gallery.lock         one writer at a time
    GALLERY/extract/             stage-1 shards of the videos enrolled (sources.py)

An add (or remove) runs, under the exclusive lock, as one transaction: the model fingerprint
is checked (the first add records it), the rows go in (a sequence already enrolled from the
same source is skipped), the index is extended, or rebuilt from the database when its kind or
training no longer fits, and written as generation N+1; the database then points at N+1 and
commits. A writer killed before the commit leaves generation N current and the database as
it was; files of other generations are deleted by the next writer. A reader that finds the
current index missing or not matching the database rebuilds it in memory from the database.

Search (``search.py``): the index proposes candidates, re-ranked with the evaluator's metric.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from heatgait.errors import HeatgaitError, UsageError
from heatgait.evaluation.distance import as_parts
from heatgait.gallery import index as vindex
from heatgait.gallery import store
from heatgait.gallery.model_match import check_same_model
from heatgait.gallery.search import Match, search
from heatgait.gallery.store import (
    ENTRY_COLUMNS,
    AddResult,
    Entry,
    NewEntry,
    gallery_lock,
    get_meta,
    set_meta,
)
from heatgait.training.fingerprint import recorded_form

SQL_CHUNK = 500  # ids per "IN (...)" query


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Gallery:
    """One gallery folder. Opening never writes; ``create=True`` makes the folder if needed."""

    def __init__(self, folder: str | Path, create: bool = False):
        self.folder = Path(folder)
        self.con = store.connect(self.folder, create)
        self._index: Any = None
        self._shape: tuple[int, int] | None = None
        self.index_rebuilt = False  # True when search had to rebuild the index in memory

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Gallery:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # reading ---------------------------------------------------------------------------------
    def count(self) -> int:
        return int(self.con.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    @property
    def fingerprint(self) -> dict[str, Any] | None:
        return get_meta(self.con, "fingerprint")

    @property
    def shape(self) -> tuple[int, int] | None:
        """Embedding shape [c, p] (fixed by the first add, so read once)."""
        if self._shape is None:
            shape = get_meta(self.con, "embedding_shape")
            self._shape = None if shape is None else (int(shape[0]), int(shape[1]))
        return self._shape

    @property
    def calibration(self) -> dict[str, Any] | None:
        return get_meta(self.con, "calibration")

    @property
    def index_info(self) -> dict[str, Any]:
        return get_meta(self.con, "index", {"generation": 0, "kind": "flat", "trained_on": 0,
                                            "count": 0})

    def entries(self, ids: Sequence[int] | None = None, names: Sequence[str] | None = None
                ) -> list[Entry]:
        """Entries by id and/or name (all of them when neither is given), in id order."""
        clauses, args = [], []
        if ids:
            clauses.append(f"id IN ({','.join('?' * len(ids))})")
            args += [int(i) for i in ids]
        if names:
            clauses.append(f"name IN ({','.join('?' * len(names))})")
            args += list(names)
        where = f" WHERE {' OR '.join(clauses)}" if clauses else ""
        rows = self.con.execute(f"SELECT {ENTRY_COLUMNS} FROM entries{where} ORDER BY id", args)
        return [store.to_entry(row) for row in rows]

    def names(self) -> dict[str, int]:
        """Name -> number of entries."""
        rows = self.con.execute("SELECT name, COUNT(*) FROM entries GROUP BY name ORDER BY name")
        return {name: int(n) for name, n in rows}

    def _decode(self, blob: bytes, shape: tuple[int, int]) -> np.ndarray:
        return np.frombuffer(blob, dtype=np.float32).reshape(shape)  # [c, p]

    def fetch(self, ids: Sequence[int]) -> dict[int, tuple[Entry, np.ndarray]]:
        """id -> (entry, embedding [c, p]) for the ids that exist."""
        found: dict[int, tuple[Entry, np.ndarray]] = {}
        entries, emb = self.fetch_block(ids)
        for entry, vector in zip(entries, emb):
            found[entry.id] = (entry, vector)
        return found

    def fetch_block(self, ids: Sequence[int]) -> tuple[list[Entry], np.ndarray]:
        """(entries, embeddings [k, c, p]) of the ids that exist, in one array."""
        ids = [int(i) for i in ids]
        entries: list[Entry] = []
        blobs: list[bytes] = []
        for start in range(0, len(ids), SQL_CHUNK):
            chunk = ids[start:start + SQL_CHUNK]
            rows = self.con.execute(f"SELECT {ENTRY_COLUMNS}, embedding FROM entries WHERE id IN "
                                    f"({','.join('?' * len(chunk))})", chunk)
            for row in rows:
                entries.append(store.to_entry(row[:-1]))
                blobs.append(row[-1])
        shape = self.shape or (0, 0)
        emb = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), *shape)
        return entries, emb

    def iter_embeddings(self, chunk: int = 8192) -> Iterator[tuple[list[Entry], np.ndarray]]:
        """Every entry with its embedding, ``chunk`` at a time: (entries, [k, c, p])."""
        last = -1
        while True:
            rows = self.con.execute(f"SELECT {ENTRY_COLUMNS}, embedding FROM entries WHERE id > ? "
                                    "ORDER BY id LIMIT ?", (last, chunk)).fetchall()
            if not rows:
                return
            last = int(rows[-1][0])
            shape = self.shape
            yield ([store.to_entry(r[:-1]) for r in rows],
                   np.stack([self._decode(r[-1], shape) for r in rows]))

    def picture(self, entry_id: int) -> bytes | None:
        row = self.con.execute("SELECT image FROM pictures WHERE entry_id = ?",
                               (int(entry_id),)).fetchone()
        return None if row is None else bytes(row[0])

    def disk_bytes(self) -> int:
        """Bytes of the database (with its WAL) and the current index, not of extract/."""
        names = [store.DB_FILE, store.DB_FILE + "-wal",
                 vindex.index_file(self.folder, self.index_info["generation"]).name]
        return sum((self.folder / n).stat().st_size for n in names if (self.folder / n).is_file())

    # writing ---------------------------------------------------------------------------------
    def check_model(self, fingerprint: dict[str, Any]) -> None:
        """Raises naming both models when ``fingerprint`` is not the gallery's own."""
        check_same_model(str(self.folder), self.fingerprint, fingerprint)

    def add(self, embeddings: Any, items: Sequence[NewEntry], fingerprint: dict[str, Any],
            on_wait: Callable[[], None] | None = None) -> AddResult:
        """Enrols ``items`` with their ``embeddings`` [n, c, p] in one transaction."""
        emb = as_parts(embeddings)
        if len(emb) != len(items):
            raise ValueError(f"{len(emb)} embeddings for {len(items)} entries")
        added_ids: list[int] = []
        added_rows: list[int] = []  # positions in ``items`` of the rows inserted
        skipped: list[NewEntry] = []
        with gallery_lock(self.folder, exclusive=True, on_wait=on_wait):
            self._drop_stale_files()
            with store.transaction(self.con):
                self.check_model(fingerprint)
                self._check_shape(emb.shape[1:], record=True)
                if self.fingerprint is None:
                    set_meta(self.con, "fingerprint", recorded_form(fingerprint))
                added = _now()
                for row, (item, vector) in enumerate(zip(items, emb)):
                    cursor = self.con.execute(
                        "INSERT OR IGNORE INTO entries (name, source, sequence_key, frames, added, "
                        "shard, embedding) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (item.name, item.source, item.sequence_key, int(item.frames), added,
                         item.shard, np.ascontiguousarray(vector, dtype=np.float32).tobytes()))
                    if not cursor.rowcount:
                        skipped.append(item)
                        continue
                    added_ids.append(int(cursor.lastrowid))
                    added_rows.append(row)
                    if item.picture:
                        self.con.execute("INSERT INTO pictures (entry_id, image) VALUES (?, ?)",
                                         (added_ids[-1], item.picture))
                if added_ids:
                    self._write_next_index(add_ids=np.asarray(added_ids),
                                           add_vectors=vindex.index_vectors(emb[added_rows]))
            self._drop_stale_files()
        self._index = None
        return AddResult(added=self.entries(ids=added_ids) if added_ids else [], skipped=skipped)

    def remove(self, ids: Sequence[int] = (), names: Sequence[str] = (),
               on_wait: Callable[[], None] | None = None) -> list[Entry]:
        """Removes the entries with these ids or names; returns what was removed."""
        with gallery_lock(self.folder, exclusive=True, on_wait=on_wait):
            self._drop_stale_files()
            with store.transaction(self.con):
                gone = self.entries(ids=ids, names=names) if (ids or names) else []
                if gone:
                    gone_ids = [e.id for e in gone]
                    for start in range(0, len(gone_ids), SQL_CHUNK):
                        chunk = gone_ids[start:start + SQL_CHUNK]
                        self.con.execute(f"DELETE FROM entries WHERE id IN "
                                         f"({','.join('?' * len(chunk))})", chunk)
                    self._write_next_index(remove_ids=np.asarray(gone_ids))
            self._drop_stale_files()
        self._index = None
        return gone

    def set_calibration(self, calibration: dict[str, Any],
                        on_wait: Callable[[], None] | None = None) -> None:
        with gallery_lock(self.folder, exclusive=True, on_wait=on_wait):
            with store.transaction(self.con):
                set_meta(self.con, "calibration", calibration)

    def _check_shape(self, shape: tuple[int, ...], record: bool = False) -> None:
        own = self.shape
        if own is None:
            if record:
                set_meta(self.con, "embedding_shape", [int(s) for s in shape])
            return
        if tuple(shape) != own:
            raise HeatgaitError(f"gallery {self.folder} holds embeddings of shape {list(own)}, "
                                f"these are {list(shape)}: use the gallery's checkpoint")

    def _write_next_index(self, add_ids: np.ndarray | None = None,
                          add_vectors: np.ndarray | None = None,
                          remove_ids: np.ndarray | None = None) -> None:
        from heatgait.gallery.generations import write_next_generation

        write_next_generation(self, add_ids, add_vectors, remove_ids)

    def _build_index(self, count: int, dim: int) -> tuple[Any, str, int]:
        from heatgait.gallery.generations import build_from_database

        return build_from_database(self, count, dim)

    def _drop_stale_files(self) -> None:
        for path in vindex.stale_files(self.folder, self.index_info["generation"]):
            path.unlink(missing_ok=True)

    # searching -------------------------------------------------------------------------------
    def search(self, queries: Any, top: int = 5, candidates: int = vindex.CANDIDATES
               ) -> list[list[Match]]:
        """For each query [n, c, p] its ``top`` nearest names, nearest first (search.py)."""
        return search(self, queries, top, candidates)

    def loaded_index(self) -> Any:
        """The current index, loaded once (under the shared lock), rebuilt in memory when its
        file is missing or does not match the database."""
        if self._index is None:
            with gallery_lock(self.folder, exclusive=False):
                info, count = self.index_info, self.count()
                if count == 0:
                    raise UsageError(f"gallery {self.folder} is empty (0 entries); enrol walkers "
                                     f"with `heatgait gallery add {self.folder} CHECKPOINT "
                                     "VIDEOS_OR_SHARDS`")
                index = None
                if info["generation"]:
                    index = vindex.read_index(vindex.index_file(self.folder, info["generation"]))
                if index is None or index.ntotal != count:
                    index, _, _ = self._build_index(count, int(np.prod(self.shape)))
                    self.index_rebuilt = True
            self._index = index
        return self._index

    def check_shape(self, shape: tuple[int, ...]) -> None:
        self._check_shape(shape)


def is_gallery(folder: str | Path) -> bool:
    return store.is_gallery(Path(folder))

