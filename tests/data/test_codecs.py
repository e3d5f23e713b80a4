"""Chunk codecs: zstd-3 shards by default, gzip-4 ones (all older shards) read as before."""

from __future__ import annotations

import logging
from pathlib import Path

import h5py
import numpy as np
import pytest

from heatgait.data import codecs
from heatgait.data.check import check_shards
from heatgait.data.schema import encode_heatmaps
from heatgait.data.shards import ShardSet, ShardWriter, write_shards
from heatgait.errors import ShardError

pytest.importorskip("hdf5plugin")


def _filters(path: Path) -> list[int]:
    with h5py.File(path, "r") as handle:
        plist = handle["sequences/000000/heatmaps"].id.get_create_plist()
        return [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]


def test_default_is_zstd_and_gzip_still_reads(make_record, tmp_path: Path) -> None:
    record = make_record("001", frames=5, seed=4)
    stored = encode_heatmaps(record.heatmaps, "uint8-sqrt")
    with ShardWriter(tmp_path / "z.h5", storage="uint8-sqrt") as writer:
        writer.write(record)
    with ShardWriter(tmp_path / "g.h5", storage="uint8-sqrt", compression="gzip-4") as writer:
        writer.write(record)
    with h5py.File(tmp_path / "g.h5", "r+") as handle:
        del handle.attrs["compression"]  # as every shard written before the attribute
    assert _filters(tmp_path / "z.h5") == [32015]  # HDF5's registered Zstandard filter id
    assert _filters(tmp_path / "g.h5") == [h5py.h5z.FILTER_DEFLATE]
    zstd, gzip = ShardSet(tmp_path / "z.h5"), ShardSet(tmp_path / "g.h5")
    assert zstd.attrs(0)["compression"] == "zstd-3" and "compression" not in gzip.attrs(0)
    picks = np.array([0, 2, 2, 4])
    for shards in (zstd, gzip):
        np.testing.assert_array_equal(shards.read_stored(0), stored)
        np.testing.assert_array_equal(shards.read_stored(0, picks), stored[picks])
    assert check_shards(tmp_path) == []


def test_without_hdf5plugin_writers_fall_back_and_readers_say_what_to_install(
        make_record, tmp_path: Path, monkeypatch, caplog) -> None:
    write_shards([make_record("001")], tmp_path / "z", progress=False)
    monkeypatch.setattr(codecs, "plugins_available", lambda: False)
    with caplog.at_level(logging.WARNING):
        (path,) = write_shards([make_record("002")], tmp_path / "g", progress=False)
    assert "hdf5plugin is not installed: writing gzip-4" in caplog.text
    assert ShardSet(path).attrs(0)["compression"] == "gzip-4"
    assert _filters(path) == [h5py.h5z.FILTER_DEFLATE]
    with pytest.raises(ShardError, match=r"shard-00000.h5: its heatmaps are zstd-compressed, "
                                         r"which needs the hdf5plugin package; pip install"):
        ShardSet(tmp_path / "z").read(0)
    with pytest.raises(ValueError, match="unknown compression 'lz4'"):
        ShardWriter(tmp_path / "x.h5", compression="lz4")
