"""Shard writing and reading: round trip, resumability, refusals, locking, the index."""

from __future__ import annotations

import logging
from pathlib import Path

import h5py
import numpy as np
import pytest

from heatgait.data.records import SequenceRecord
from heatgait.data.schema import SCHEMA_VERSION, encode_heatmaps, schema_version_for
from heatgait.data.shards import ShardSeries, ShardSet, ShardWriter, existing_keys, write_shards
from heatgait.errors import ShardError


@pytest.mark.parametrize("storage, tolerance", [("uint8", 0.5 / 255 + 1e-6), ("float16", 1e-3),
                                                ("uint8-sqrt", 1 / 255 + 1e-6)])
def test_round_trip_within_quantisation(make_record, tmp_path: Path, storage: str, tolerance: float) -> None:
    record = make_record("001", frames=7, seed=3, track=2)
    record.heatmaps[0, 0, 0, 0] = 1.7  # clipped to 1 by the writer
    with ShardWriter(tmp_path / "a.h5", storage=storage, attrs={"detector": "rtmdet"}) as writer:
        assert writer.write(record)
        assert record.key in writer
    shards = ShardSet(tmp_path / "a.h5")
    assert [s.key for s in shards.sequences] == ["001/nm-01/090/track-2"]
    assert shards.sequences[0].num_frames == 7
    back = shards.read(0)
    assert back.dtype == np.float32 and back.shape == (7, 17, 64, 48)
    assert np.abs(back - np.clip(record.heatmaps, 0, 1)).max() <= tolerance
    np.testing.assert_array_equal(shards.read_keypoints(0), record.keypoints)
    np.testing.assert_array_equal(shards.read_side(0, "frame_indices"), record.frame_indices)
    attrs = shards.attrs(0)
    assert attrs["schema_version"] == schema_version_for(storage) and attrs["detector"] == "rtmdet"
    assert attrs["pose_model"] == "hrnet-w32" and attrs["thresholds"]["frame"] == 0.4
    assert attrs["storage"] == storage and attrs["track"] == 2 and attrs["source"] == record.source
    assert not (tmp_path / "a.h5.partial").exists() and not (tmp_path / "a.h5.lock").exists()


def test_shard_without_storage_attribute_reads_as_linear_uint8(make_record,
                                                               tmp_path: Path) -> None:
    """Shards that carry no storage attribute decode by dtype, exactly as before."""
    record = make_record("001", frames=4, seed=2)
    with ShardWriter(tmp_path / "a.h5", storage="uint8") as writer:
        writer.write(record)
    with h5py.File(tmp_path / "a.h5", "r+") as handle:
        del handle.attrs["storage"]
        assert handle.attrs["schema_version"] == SCHEMA_VERSION == 1
    shards = ShardSet(tmp_path / "a.h5")
    assert shards.storage(0) is None
    stored = encode_heatmaps(record.heatmaps, "uint8")
    np.testing.assert_array_equal(shards.read_stored(0), stored)
    np.testing.assert_array_equal(shards.read(0), stored.astype(np.float32) * np.float32(1 / 255))


def test_sqrt_shards_say_so_and_read_through_the_curve(make_record, tmp_path: Path) -> None:
    record = make_record("001", frames=4, seed=2)
    record.heatmaps[:, 0, 0, 0] = 1e-4  # faint: erased by linear uint8, kept here
    with ShardWriter(tmp_path / "a.h5", storage="uint8-sqrt") as writer:
        writer.write(record)
    shards = ShardSet(tmp_path / "a.h5")
    assert shards.storage(0) == "uint8-sqrt" and shards.attrs(0)["schema_version"] == 2
    back = shards.read(0)
    assert (back[:, 0, 0, 0] > 0).all()
    assert np.abs(back - record.heatmaps).max() <= 1 / 255 + 1e-6


def test_read_frame_subset_with_repeats(shard_folder: Path) -> None:
    shards = ShardSet(shard_folder)
    whole = shards.read(3)
    subset = shards.read(3, np.array([0, 2, 2, 5]))
    np.testing.assert_array_equal(subset, whole[[0, 2, 2, 5]])


def test_write_shards_resumes_without_duplicates(make_record, tmp_path: Path) -> None:
    records = [make_record(f"{s:03d}", seed=s, frames=3) for s in range(7)]
    first = write_shards(records[:4], tmp_path, sequences_per_shard=3, progress=False)
    again = write_shards(records, tmp_path, sequences_per_shard=3, progress=False)
    assert [p.name for p in first] == ["shard-00000.h5", "shard-00001.h5"]
    assert [p.name for p in again] == ["shard-00002.h5"]
    keys = [s.key for s in ShardSet(tmp_path).sequences]
    assert sorted(keys) == sorted(r.key for r in records) == sorted(existing_keys(tmp_path))
    assert write_shards(records, tmp_path, progress=False) == []


def test_shard_series_numbers_after_the_highest_and_discards_stale_partials(
        make_record, tmp_path: Path) -> None:
    (tmp_path / "rank0-shard-00003.h5").write_bytes(b"")  # finished before (name only)
    (tmp_path / "rank0-shard-00009.h5.partial").write_bytes(b"killed")
    (tmp_path / "rank1-shard-00001.h5.partial").write_bytes(b"another rank's")
    series = ShardSeries(tmp_path, "rank0-shard", storage="uint8", sequences_per_shard=2,
                         discard_stale=True)
    assert not (tmp_path / "rank0-shard-00009.h5.partial").exists()
    assert (tmp_path / "rank1-shard-00001.h5.partial").exists()
    assert series.write([make_record("001"), make_record("002"), make_record("003")]) == 3
    assert series.write([make_record("004")]) == 1
    assert [p.name for p in series.close()] == ["rank0-shard-00004.h5", "rank0-shard-00005.h5"]
    assert [len(ShardSet(p)) for p in series.written] == [3, 1]  # a source's records together


def test_empty_sequence_skipped_and_logged(make_record, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    empty = make_record("002", frames=0)
    with caplog.at_level(logging.WARNING), ShardWriter(tmp_path / "a.h5") as writer:
        assert not writer.write(empty)
        assert writer.write(make_record("001"))
        assert not writer.write(make_record("001"))  # same key: never twice
    assert "002/nm-01/090 has no frames" in caplog.text
    assert [s.key for s in ShardSet(tmp_path).sequences] == ["001/nm-01/090"]


def test_nan_and_bad_shapes_refused_naming_the_key(make_record, tmp_path: Path) -> None:
    record = make_record("007")
    record.heatmaps[1, 3, 5, 5] = np.nan
    bad_shape = make_record("008")
    bad_shape.keypoints = bad_shape.keypoints[:, :5]
    with ShardWriter(tmp_path / "a.h5") as writer:
        with pytest.raises(ValueError, match="007/nm-01/090: heatmaps contain NaN"):
            writer.write(record)
        with pytest.raises(ValueError, match="008/nm-01/090: keypoints has shape"):
            writer.write(bad_shape)
    assert len(ShardSet(tmp_path / "a.h5")) == 0


def test_error_inside_writer_leaves_no_file(make_record, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), ShardWriter(tmp_path / "a.h5") as writer:
        writer.write(make_record("001"))
        raise RuntimeError("extraction failed")
    assert list(tmp_path.iterdir()) == []


def test_second_writer_on_same_file_refused(make_record, tmp_path: Path) -> None:
    with ShardWriter(tmp_path / "a.h5") as writer:
        writer.write(make_record("001"))
        with pytest.raises(ShardError, match="another process is writing"):
            ShardWriter(tmp_path / "a.h5")
    with pytest.raises(ShardError, match="already exists"):
        ShardWriter(tmp_path / "a.h5")


def test_unknown_schema_version_named(shard_folder: Path) -> None:
    path = min(shard_folder.glob("*.h5"))
    with h5py.File(path, "r+") as handle:
        handle.attrs["schema_version"] = 99
    with pytest.raises(ShardError, match=r"shard-00000.h5: shard schema version 99 is not supported"):
        ShardSet(shard_folder)


def test_index_opens_without_visiting_groups(shard_folder: Path) -> None:
    """The listing comes from the index table: it survives the loss of a sequence group."""
    path = min(shard_folder.glob("*.h5"))
    with h5py.File(path, "r+") as handle:
        del handle["sequences/000001"]
    shards = ShardSet(shard_folder)
    assert len(shards) == 8
    assert [s.num_frames for s in shards.sequences][:3] == [8, 10, 9]
    with pytest.raises(ShardError, match=r"sequence 001/nm-02/090 unreadable"):
        shards.read(1)


def test_missing_path_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ShardError, match="no such shard file or folder"):
        ShardSet(tmp_path / "nope")


def test_record_key_without_track() -> None:
    record = SequenceRecord("001", "bg-02", "180", *(np.zeros((0,)),) * 5)
    assert record.key == "001/bg-02/180"


def test_find_shards_options(shard_folder: Path, tmp_path: Path) -> None:
    from heatgait.data.shardset import find_shards

    finished = sorted(shard_folder.glob("*.h5"))
    partial = shard_folder / "shard-00009.h5.partial"
    partial.write_bytes(b"left by a killed writer")
    missing = tmp_path / "nowhere.h5"
    assert find_shards(shard_folder) == finished  # readers: finished shards only
    assert find_shards([shard_folder], partials=True) == finished + [partial]
    assert find_shards([finished[1], shard_folder / "x"], missing="keep") == [
        finished[1], shard_folder / "x"]  # check reports what is missing
    with pytest.raises(ShardError, match="nowhere.h5: no such shard file or folder"):
        find_shards([shard_folder, missing])


def test_index_of_and_summary(shard_folder: Path) -> None:
    from heatgait.errors import UsageError

    shards = ShardSet(shard_folder)
    assert shards.sequences[shards.index_of("003/nm-02/090")].key == "003/nm-02/090"
    with pytest.raises(UsageError, match=r"no sequence '003/nm' in .*shards; try one of: "
                                         r"003/nm-01/090, 003/nm-02/090$"):
        shards.index_of("003/nm")
    with pytest.raises(UsageError, match="try one of: 001/nm-01/090, 001/nm-02/090, "):
        shards.index_of("999/bg-01/000")
    summary = shards.summary()
    assert (summary.files, summary.sequences, summary.subjects) == (2, 8, 4)
    assert summary.frames == sum(5 + s + 2 * t for s in range(1, 5) for t in (1, 2))
