"""Bad keypoint input: one line naming the file and the fix, and the good sequences land."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from heatgait.cli.app import main
from heatgait.data.shardset import ShardSet
from tests.extract.keypoints import writers


def _walkers(n: int = 3, frames: int = 5) -> list[writers.Walker]:
    """Small upright stick walkers in image pixels (enough for readers and rendering)."""
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        kp = np.zeros((frames, 17, 3), np.float32)
        kp[..., 0] = 100 + 40 * i + rng.normal(0, 5, (frames, 17))
        kp[..., 1] = np.linspace(50, 250, 17) + rng.normal(0, 3, (frames, 17))
        kp[..., 2] = rng.uniform(0.3, 1.0, (frames, 17))
        kp[:, 3, :] = 0  # one joint never detected: must stay score 0
        out.append((f"{i + 1:03d}", "nm-01", "090", kp, np.arange(frames) * 2))
    return out


def _lines(text: str, word: str) -> list[str]:
    return [line for line in text.splitlines() if word in line]


def test_empty_json_list_is_named_and_the_good_file_lands(tmp_path: Path, capsys):
    root = tmp_path / "kp"
    writers.write_alphapose(root / "good" / "alphapose-results.json", _walkers())
    (root / "empty").mkdir()
    (root / "empty" / "alphapose-results.json").write_text("[]")
    out = tmp_path / "shards"
    assert main(["import", str(root), "--out", str(out), "-q"]) == 0
    captured = capsys.readouterr()
    [line] = _lines(captured.err, "empty")
    assert "empty/alphapose-results.json" in line and "no person (an empty list)" in line
    assert "alphapose keypoints" in captured.out and "1 unreadable input" in captured.out
    assert {s.subject for s in ShardSet(out).sequences} == {"good"}
    # the empty list alone: nothing imported is an error, never "0 sequences"
    code = main(["import", str(root / "empty"), "--out", str(tmp_path / "none"),
                 "--format", "alphapose"])
    err = capsys.readouterr().err
    assert code != 0 and "no alphapose sequence found" in err and len(err.strip().splitlines()) == 1


def test_frame_file_with_52_numbers_skips_that_frame_only(tmp_path: Path, capsys):
    root = writers.write_text(tmp_path / "grew", _walkers(), "grew")
    bad = root / "train" / "002" / "090" / "00004_2d_pose.txt"
    bad.write_text(",".join(["1.0"] * 52))
    out = tmp_path / "shards"
    assert main(["import", str(root), "--out", str(out), "-q"]) == 0
    captured = capsys.readouterr()
    [line] = _lines(captured.err, "00004_2d_pose.txt")
    assert "52 numbers, not 53" in line and "re-export" in line
    shards = ShardSet(out)
    frames = {s.subject: s.num_frames for s in shards.sequences}
    assert frames == {"001train": 5, "002train": 4, "003train": 5}
    assert (shards.read_keypoints(0)[:, 3, 2] == 0).all()  # the missing joint stays missing
    assert shards.read(0)[:, 3].max() == 0


def test_pickle_of_the_wrong_shape_is_named_and_the_rest_lands(tmp_path: Path, capsys):
    root = writers.write_pickles(tmp_path / "pkl", _walkers())
    (root / "002" / "nm-01" / "090" / "090.pkl").write_bytes(pickle.dumps(np.zeros((5, 17, 2))))
    out = tmp_path / "shards"
    assert main(["import", str(root), "--out", str(out), "-q"]) == 0
    captured = capsys.readouterr()
    [line] = _lines(captured.err, "090.pkl")
    assert "002/nm-01/090/090.pkl" in line and "shape (5, 17, 2)" in line and "[T, 17, 3]" in line
    assert sorted(s.subject for s in ShardSet(out).sequences) == ["001", "003"]
    # a second import resumes: nothing new, the bad file named again
    assert main(["import", str(root), "--out", str(out), "-q"]) == 0
    assert "0 new sequence(s)" in capsys.readouterr().out


def test_a_tree_without_keypoints_fails_in_one_line(tmp_path: Path, capsys):
    (tmp_path / "empty" / "a").mkdir(parents=True)
    (tmp_path / "empty" / "a" / "notes.txt").write_text("hello")
    code = main(["import", str(tmp_path / "empty"), "--out", str(tmp_path / "shards")])
    err = capsys.readouterr().err.strip()
    assert code != 0 and "no keypoint file of a known format" in err and "\n" not in err
