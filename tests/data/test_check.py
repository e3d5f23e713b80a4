"""``check_shards`` finds truncation, flipped bytes and broken indexes; reads fail in one line."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from heatgait.data.check import check_shards
from heatgait.data.shards import ShardSet, write_shards
from heatgait.errors import ShardError


def _first_shard(folder: Path) -> Path:
    return min(folder.glob("*.h5"))


def test_sound_folder_has_no_problems(shard_folder: Path) -> None:
    assert check_shards(shard_folder) == []


def test_truncated_file(shard_folder: Path) -> None:
    path = _first_shard(shard_folder)
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(size // 2)
    problems = check_shards(shard_folder)
    assert len(problems) == 1 and problems[0].file == path
    assert "truncated" in problems[0].fault
    with pytest.raises(ShardError, match="shard-00000.h5: not a readable shard"):
        ShardSet(path)


def _heatmap_offset(path: Path, group: str, frame: int) -> int:
    """File offset of one stored (compressed) heatmap chunk."""
    with h5py.File(path, "r") as handle:
        info = handle[f"sequences/{group}/heatmaps"].id.get_chunk_info(frame)
        return info.byte_offset + info.size // 2


def test_flipped_byte_in_heatmap_data(shard_folder: Path) -> None:
    path = _first_shard(shard_folder)
    shards = ShardSet(shard_folder)
    offset = _heatmap_offset(path, "000001", 3)
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x10]))
    problems = check_shards(shard_folder)
    assert [(p.key, p.file) for p in problems] == [("001/nm-02/090", path)]
    with pytest.raises(ShardError, match=r"shard-00000.h5: sequence 001/nm-02/090"):
        shards.read(1)
    with pytest.raises(ShardError, match=r"001/nm-02/090"):
        shards.read(1, np.array([3]))
    shards.read(1, np.array([0, 1, 2]))  # other frames still read


def test_index_inconsistent_with_groups(shard_folder: Path) -> None:
    path = _first_shard(shard_folder)
    with h5py.File(path, "r+") as handle:
        handle.copy("sequences/000000", "sequences/extra")
        del handle["sequences/000002/keypoints"]
        handle["sequences/000003"].attrs["key"] = "999/nm-01/090"
    faults = sorted(str(p) for p in check_shards(path))
    assert any("group extra is not in the index" in f for f in faults)
    assert any("[002/nm-01/090]: dataset 'keypoints' missing" in f for f in faults)
    assert any("'999/nm-01/090' disagrees with the index" in f for f in faults)
    assert len(faults) == 3


def test_wrong_shape_and_nan(shard_folder: Path) -> None:
    path = _first_shard(shard_folder)
    with h5py.File(path, "r+") as handle:
        del handle["sequences/000000/frame_scores"]
        handle["sequences/000000/frame_scores"] = np.zeros(3, np.float32)
        keypoints = handle["sequences/000001/keypoints"]
        keypoints[0, 0, 0] = np.nan
    faults = [p.fault for p in check_shards(path)]
    assert faults == ["dataset 'frame_scores' is float32[3], expected float32[8]",
                      "keypoints hold NaN"]


def test_not_an_hdf5_file(tmp_path: Path) -> None:
    path = tmp_path / "junk.h5"
    path.write_bytes(b"not hdf5 at all" * 100)
    problems = check_shards(tmp_path)
    assert len(problems) == 1 and "not a readable shard" in problems[0].fault


def test_silently_changed_frame_caught_by_checksum(shard_folder: Path) -> None:
    """A change HDF5 itself cannot notice (valid chunk, other values) fails the frame CRC."""
    path = _first_shard(shard_folder)
    with h5py.File(path, "r+") as handle:
        heatmaps = handle["sequences/000001/heatmaps"]
        heatmaps[2, 0, 0, 0] = heatmaps[2, 0, 0, 0] ^ 1
    faults = [str(p) for p in check_shards(path)]
    assert faults == [f"{path} [001/nm-02/090]: frame 2 fails its checksum (corrupt heatmap data)"]
    with pytest.raises(ShardError, match="frame 2 fails its checksum"):
        ShardSet(path).read(1, np.array([2, 4]))
    assert ShardSet(path, verify=False).read(1).shape == (10, 17, 64, 48)


def test_check_prints_each_shard_storage_legacy_ones_included(make_record, tmp_path: Path,
                                                              capsys) -> None:
    from heatgait.cli.app import main

    write_shards([make_record("001")], tmp_path, prefix="a", storage="uint8", progress=False)
    write_shards([make_record("002")], tmp_path, prefix="b", storage="float16", progress=False)
    legacy = write_shards([make_record("003")], tmp_path, prefix="c", storage="uint8",
                          progress=False)[0]
    with h5py.File(legacy, "r+") as handle:
        del handle.attrs["storage"]  # as a shard without the attribute
    assert check_shards(tmp_path) == []
    assert main(["check", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [f"{tmp_path / 'a-00000.h5'}: storage uint8",
                       f"{tmp_path / 'b-00000.h5'}: storage float16",
                       f"{legacy}: storage uint8 (no storage attribute: linear, as written "
                       "before it existed)"]
    assert out[3].startswith("OK 3 file(s)")


def test_check_report_and_command(shard_folder: Path, tmp_path: Path, capsys) -> None:
    from heatgait.cli.app import main
    from heatgait.data.check import check_report
    from heatgait.errors import UsageError

    report = check_report(shard_folder)
    assert report.ok and len(report.files) == 2 and report.summary.sequences == 8
    assert main(["check", str(shard_folder)]) == 0
    out = capsys.readouterr().out
    assert "OK 2 file(s): 8 sequences, 84 frames, 4 subjects" in out
    assert f"{shard_folder / 'shard-00000.h5'}: storage uint8-sqrt" in out
    assert report.storages == {path: "uint8-sqrt" for path in report.files}
    (shard_folder / "shard-00007.h5.partial").write_bytes(b"killed")
    report = check_report([shard_folder, tmp_path / "gone.h5"])
    assert not report.ok and report.bad_files == 2 and report.summary is None
    assert len(report.files) == 2  # the partial and the missing path are faults, not files
    assert main(["check", str(shard_folder)]) == 1
    assert "1 bad file(s), 1 fault(s) in 2 file(s)" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UsageError, match="no shard files in .*empty; give .h5 files"):
        check_report(empty)
    assert main(["check", str(empty)]) == 2
