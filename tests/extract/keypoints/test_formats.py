"""Labels and frame order of the per-folder formats, and the heatmap-pickle import path."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from heatgait.cli.app import main
from heatgait.data.shardset import ShardSet
from heatgait.errors import KeypointError
from heatgait.extract.keypoints.formats import folder_labels
from heatgait.extract.keypoints.sequence import frame_number, to_coco17
from tests.extract.keypoints import writers
from tests.extract.keypoints.test_bad_input import _walkers


def test_labels_of_each_layout(tmp_path: Path):
    for rel in ("00007/090_01", "raw/train/00001/abcdefgh", "raw/test/gallery/00002/bbb",
                "raw/test/gallery/00002/aaa", "raw/test/probe/vid9", "001/nm-01/090", "a/b"):
        (tmp_path / rel).mkdir(parents=True)
    assert folder_labels(tmp_path, tmp_path / "00007/090_01") == ("00007", "01", "090")
    assert folder_labels(tmp_path, tmp_path / "001/nm-01/090") == ("001", "nm-01", "090")
    raw = tmp_path / "raw"
    assert folder_labels(raw, raw / "train/00001/abcdefgh") == ("00001train", "00", "abcdefgh")
    assert folder_labels(raw, raw / "test/gallery/00002/aaa") == ("00002", "01", "aaa")
    assert folder_labels(raw, raw / "test/gallery/00002/bbb") == ("00002", "02", "bbb")
    assert folder_labels(raw, raw / "test/probe/vid9") == ("probe", "03", "vid9")
    with pytest.raises(KeypointError, match="a/b: cannot tell subject, type and view"):
        folder_labels(tmp_path, tmp_path / "a/b")
    # a release's own top folder (OU-MVLP-Pose's openpose/alphapose, Gait3D's 2D_Poses)
    assert folder_labels(tmp_path, tmp_path / "openpose/00002/180_00") == ("00002", "00", "180")
    assert folder_labels(tmp_path, tmp_path / "alphapose/00002/180_01") == ("00002", "01", "180")
    assert folder_labels(tmp_path, tmp_path / "2D_Poses/0002/camid3_videoid2/seq0") == \
        ("0002", "camid3_videoid2", "seq0")


def test_frame_numbers_and_coco18():
    assert [frame_number(n) for n in ("human_crop_f10000.txt", "00012_2d_pose.txt",
                                      "0021_keypoints.json", "7.jpg", "x.json")] == \
        [10000, 12, 21, 7, -1]
    coco17 = _walkers(n=1)[0][3]
    np.testing.assert_array_equal(to_coco17(writers.to_coco18(coco17)), coco17)


def test_heatmap_pickles_still_import_and_keypoint_pickles_say_so(tmp_path: Path, capsys):
    rng = np.random.default_rng(0)
    for subject in ("001", "002"):
        folder = tmp_path / "maps" / subject / "nm-01" / "090"
        folder.mkdir(parents=True)
        (folder / "090.pkl").write_bytes(pickle.dumps(rng.random((3, 17, 64, 48)) ** 8))
    assert main(["import", str(tmp_path / "maps"), "--out", str(tmp_path / "s"), "-q"]) == 0
    assert "2 sequences in all" in capsys.readouterr().out
    assert len(ShardSet(tmp_path / "s")) == 2
    writers.write_pickles(tmp_path / "kp", _walkers())
    code = main(["import", str(tmp_path / "kp"), "--out", str(tmp_path / "t"), "--format",
                 "heatmaps"])
    err = capsys.readouterr().err.strip()
    assert code != 0 and "for keypoint pickles pass --format pkl" in err and "\n" not in err
