"""Durable writes: the old file or the new one after a failure, never half; no temporaries left."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from heatgait import fileio


def test_write_replaces_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "manifest.json"
    assert fileio.write_text(target, "one\n") == target  # the folder is made
    fileio.write_text(target, "two ü\n")
    assert target.read_text(encoding="utf-8") == "two ü\n"
    fileio.write_bytes(tmp_path / "model.bin", b"\x00\x01")
    assert (tmp_path / "model.bin").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["deep", "manifest.json", "model.bin"]


def test_failure_inside_the_block_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "latest.pt"
    target.write_bytes(b"old checkpoint")
    with pytest.raises(RuntimeError, match="killed"):
        with fileio.atomic_open(target) as handle:
            handle.write(b"half a new ")
            raise RuntimeError("killed while saving")
    assert target.read_bytes() == b"old checkpoint"
    assert [p.name for p in tmp_path.iterdir()] == ["latest.pt"]


def test_permissions_follow_the_umask_like_a_plain_write(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    durable = fileio.write_text(tmp_path / "durable.txt", "x")
    assert durable.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_durable_replace_renames_a_finished_file(tmp_path: Path) -> None:
    partial = tmp_path / "shard-00000.h5.partial"
    partial.write_bytes(b"finished by h5py")
    final = fileio.durable_replace(partial, tmp_path / "shard-00000.h5")
    assert final.read_bytes() == b"finished by h5py" and not partial.exists()
    with pytest.raises(ValueError, match="mode 'a'"):
        with fileio.atomic_open(tmp_path / "x", "a"):
            pass
    assert os.listdir(tmp_path) == ["shard-00000.h5"]
