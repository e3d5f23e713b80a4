"""Durable file writes: after a crash a reader finds the old file or the new one, never half.

Every file a rerun or a reader trusts is written this way: checkpoints, shards, the model
cache, manifests, reports, metric logs, splits. The data goes into a temporary file in the
destination's folder. That file is flushed and fsynced, renamed over the destination with
``os.replace`` (atomic within one file system on POSIX), and then the folder is fsynced too.
Without that last step a power cut can undo the rename itself: the new name may point to
nothing, or the old file may come back.

Temporary files are named ``.NAME.<pid>.<random>.tmp`` and created with the usual permissions
(0666 less the umask, like ``open``), so the result has the permissions a plain write would
give it.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def fsync_path(path: str | os.PathLike) -> None:
    """Flush a file's or a folder's entry to disk (a folder's fsync makes renames in it last)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_replace(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Rename a finished file ``src`` over ``dst`` so it is on disk under its new name:
    fsync ``src``, ``os.replace``, fsync ``dst``'s folder. For files written by other code
    (an HDF5 library, say) into a temporary name next to ``dst``."""
    dst = Path(dst)
    fsync_path(src)
    os.replace(src, dst)
    fsync_path(dst.parent)
    return dst


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO[Any]]:
    """``with atomic_open(path) as handle: ...``: writes go to a temporary file that replaces
    ``path`` durably when the block ends. Nothing changes at ``path`` if the block raises.
    ``mode`` is ``"wb"`` or ``"w"`` (UTF-8 text)."""
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_open: mode {mode!r}; use 'wb' or 'w'")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        fsync_path(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` durably (see the module docstring)."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` durably (see the module docstring)."""
    with atomic_open(path, "w") as handle:
        handle.write(text)
    return Path(path)


def durable_link(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Make ``dst`` a second name of the finished file ``src`` without writing its bytes again:
    a hard link under a temporary name renamed over ``dst`` (a copy where the file system has
    no hard links). A reader of ``dst`` sees the old file or ``src``'s content, never half."""
    src, dst = Path(src), Path(dst)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        try:
            os.link(src, tmp)
        except OSError:  # no hard links here (some network and FAT file systems)
            shutil.copyfile(src, tmp)
        return durable_replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
