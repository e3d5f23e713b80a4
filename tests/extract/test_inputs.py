"""Layouts name sequences correctly; auto picks the first layout that names every input."""

from pathlib import Path

import pytest

from heatgait.errors import UsageError
from heatgait.extract.job.inputs import discover, layout_counts


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")


def test_casia_b_videos_and_frame_folders(tmp_path):
    _touch(tmp_path / "videos", "001-nm-01-090.avi", "002-bg-02-000.avi")
    _touch(tmp_path / "frames", "003/cl-01/180/0001.png", "003/cl-01/180/0002.png")
    sources, layout = discover([tmp_path / "videos", tmp_path / "frames"])
    assert layout == "casia-b"
    assert [(s.key, s.kind) for s in sources] == [
        ("001/nm-01/090", "video"), ("002/bg-02/000", "video"), ("003/cl-01/180", "frames")]


def test_ccpg_names_and_folders(tmp_path):
    _touch(tmp_path, "ccpg/000/U0_D0_BG/01_1/a.jpg", "ccpg/101_U1_D1_02_3.mp4")
    sources, layout = discover([tmp_path / "ccpg"])
    assert layout == "ccpg"
    assert [s.key for s in sources] == ["000/U0_D0_BG/01_1", "101/U1_D1/02_3"]


def test_sustech1k_folders(tmp_path):
    _touch(tmp_path, "su/0001/00-nm/000/x.jpg", "su/0001/01-bg/090/x.jpg", "su/0002/02-cl/000/x.jpg")
    sources, layout = discover([tmp_path / "su"], "auto")
    assert layout == "sustech1k"
    assert layout_counts(sources) == {"sequences": 3, "subjects": 2, "types": 3, "views": 2}


def test_generic_names(tmp_path):
    _touch(tmp_path, "g/alice/walk/front.mp4", "g/bob-run-fast-side.mp4", "g/street.avi")
    sources, layout = discover([tmp_path / "g"])
    assert layout == "generic"
    assert [s.key for s in sources] == ["alice/walk/front", "bob/run-fast/side", "street/seq/000"]


def test_explicit_layout_that_does_not_fit_is_a_usage_error(tmp_path):
    _touch(tmp_path, "street.avi")
    with pytest.raises(UsageError, match="does not fit layout casia-b"):
        discover([tmp_path / "street.avi"], "casia-b")


def test_duplicate_keys_and_missing_inputs_are_usage_errors(tmp_path):
    _touch(tmp_path, "a/001-nm-01-090.avi", "b/001-nm-01-090.mp4")
    with pytest.raises(UsageError, match="both give sequence 001/nm-01/090"):
        discover([tmp_path / "a", tmp_path / "b"])
    with pytest.raises(UsageError, match="no such file"):
        discover([tmp_path / "missing"])
    with pytest.raises(UsageError, match="unknown layout"):
        discover([tmp_path / "a"], "oumvlp")
