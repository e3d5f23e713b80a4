"""The gallery's database (sqlite3) and its lock file: the source of truth of a gallery.

``gallery.sqlite`` holds every entry (name, source, sequence key, frame count, time added,
the float32 embedding [c, p] and a small picture strip) and a ``meta`` table of JSON values
(format, model fingerprint, embedding shape, index generation, calibration). The faiss index
beside it is derived data, rebuilt from here whenever it is missing or stale.

Concurrency: writers hold ``gallery.lock`` exclusively (``flock``; a second writer waits),
readers hold it shared while they load the index; sqlite runs in WAL mode with a busy
timeout, so its own locking backs the lock file up and readers never block on a writer.
Each add or remove is one ``BEGIN IMMEDIATE`` ... ``COMMIT`` transaction: a writer killed
half way leaves the database as it was.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from heatgait.errors import HeatgaitError, UsageError

DB_FILE = "gallery.sqlite"
LOCK_FILE = "gallery.lock"
FORMAT = "heatgait-gallery"
FORMAT_VERSION = 1
BUSY_TIMEOUT_S = 600.0
MMAP_BYTES = 1 << 36  # sqlite maps at most the file's size

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so index ids stay unambiguous
    name TEXT NOT NULL,
    source TEXT NOT NULL,                  -- the video or shard file the user gave
    sequence_key TEXT NOT NULL,            -- the sequence's key in its shard
    frames INTEGER NOT NULL,
    added TEXT NOT NULL,                   -- UTC, ISO 8601
    shard TEXT NOT NULL DEFAULT '',        -- shard file holding the sequence's heatmaps
    embedding BLOB NOT NULL,               -- float32 [c, p], C order
    UNIQUE (source, sequence_key)
);
CREATE INDEX IF NOT EXISTS entries_name ON entries (name);
CREATE TABLE IF NOT EXISTS pictures (
    entry_id INTEGER PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,
    image BLOB NOT NULL                    -- JPEG strip of a few frames
);
"""
ENTRY_COLUMNS = "id, name, source, sequence_key, frames, added, shard"


@dataclass(frozen=True)
class Entry:
    """One enrolled walker (one tracked sequence)."""

    id: int
    name: str
    source: str
    sequence_key: str
    frames: int
    added: str
    shard: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "source": self.source,
                "sequence_key": self.sequence_key, "frames": self.frames, "added": self.added,
                "shard": self.shard}


@dataclass
class NewEntry:
    """What the caller knows of a walker to enrol; the embedding travels beside it."""

    name: str
    source: str
    sequence_key: str
    frames: int
    shard: str = ""
    picture: bytes | None = None  # JPEG strip shown beside identification results


@dataclass
class AddResult:
    added: list[Entry]
    skipped: list[NewEntry]  # already enrolled from the same source


def db_path(folder: Path) -> Path:
    return folder / DB_FILE


def is_gallery(folder: Path) -> bool:
    return db_path(folder).is_file()


def connect(folder: Path, create: bool = False) -> sqlite3.Connection:
    """An autocommit connection (transactions are explicit) to the gallery's database."""
    path = db_path(folder)
    if not path.is_file():
        if not create:
            raise UsageError(f"{folder}: no gallery there (no {DB_FILE}); create one with "
                             f"`heatgait gallery add {folder} CHECKPOINT VIDEOS_OR_SHARDS`")
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"{folder}: is a file; give a folder for the gallery")
        folder.mkdir(parents=True, exist_ok=True)
    try:
        con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("PRAGMA foreign_keys=ON")
        con.execute(f"PRAGMA mmap_size={MMAP_BYTES}")  # candidate rows read without syscalls
        if create:
            con.executescript(SCHEMA)
        _check_format(con, path, create)
    except sqlite3.DatabaseError as error:
        raise HeatgaitError(f"{path}: not a readable gallery database ({error}); restore it or "
                            "start a new gallery folder") from None
    return con


def _check_format(con: sqlite3.Connection, path: Path, create: bool) -> None:
    tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "meta" not in tables or "entries" not in tables:
        raise HeatgaitError(f"{path}: not a heatgait gallery (no meta/entries tables)")
    found = get_meta(con, "format")
    if found is None and create:
        with transaction(con):
            if get_meta(con, "format") is None:
                set_meta(con, "format", {"name": FORMAT, "version": FORMAT_VERSION})
        return
    if not isinstance(found, dict) or found.get("name") != FORMAT:
        raise HeatgaitError(f"{path}: not a heatgait gallery (format {found!r})")
    if found.get("version") != FORMAT_VERSION:
        raise HeatgaitError(f"{path}: gallery format version {found.get('version')}, this "
                            f"heatgait reads version {FORMAT_VERSION}; use a matching heatgait")


@contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; any exception (or a kill) rolls everything back."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def get_meta(con: sqlite3.Connection, key: str, default: Any = None) -> Any:
    row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return default if row is None else json.loads(row[0])


def set_meta(con: sqlite3.Connection, key: str, value: Any) -> None:
    con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (key, json.dumps(value, sort_keys=True)))


def to_entry(row: tuple) -> Entry:
    return Entry(*row)


@contextmanager
def gallery_lock(folder: Path, exclusive: bool,
                 on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Holds ``gallery.lock``: exclusive for writers (one at a time), shared for readers.

    ``on_wait`` is called once when another process holds the lock and this one must wait.
    """
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o644)
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    try:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, mode)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
