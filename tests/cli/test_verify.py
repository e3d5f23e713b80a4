"""heatgait verify's exit status, as cmp's: 0 same, 1 different, 2 trouble, on real files
(a toy run's shards and gallery, a cut of vtest.avi)."""

from __future__ import annotations

import json

import numpy as np

from heatgait.cli.app import main
from heatgait.data.shardset import ShardSet
from heatgait.evaluation.distance import distance_matrix
from heatgait.gallery.encoder import load_encoder
from tests.stream.test_identify import vtest_clip


def verify(*args) -> int:
    return main(["verify", *map(str, args), "--device", "cpu", "-q"])


def test_same_walker_exits_0_with_picture_and_json(tiny_gallery, tmp_path, capsys):
    data, _, gallery = tiny_gallery
    # an enrolled sequence against its own person: distance 0 to one of the entries
    code = verify(f"{data}:001/nm-01/000", "001", "--gallery", gallery, "--far", "0.1",
                  "--png", tmp_path / "pair.png", "--json", tmp_path / "v.json")
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("same walker: distance 0.000")
    verdict = json.loads((tmp_path / "v.json").read_text())
    assert verdict["same"] and verdict["far"] == 0.1 and verdict["impostor_scores"] > 0
    assert verdict["threshold_source"] == f"gallery {gallery}"
    assert (tmp_path / "pair.png").read_bytes()[:4] == b"\x89PNG"


def test_different_walkers_exit_1(tiny_gallery, capsys):
    data, run, _ = tiny_gallery
    shards = ShardSet(data)
    emb = load_encoder(run, "cpu").embed(shards, range(len(shards)))
    subjects = np.array([s.subject for s in shards.sequences])
    dist = np.where(subjects[:, None] != subjects[None, :], distance_matrix(emb, emb), -1)
    i, j = np.unravel_index(np.argmax(dist), dist.shape)  # the farthest impostor pair:
    keys = shards.sequences[i].key, shards.sequences[j].key  # refused at any FAR below 1
    code = verify(f"{data}:{keys[0]}", f"{data}:{keys[1]}", "--checkpoint", run, "--data",
                  data, "--far", "0.1")
    out = capsys.readouterr().out
    assert code == 1 and out.startswith("different walkers: distance")
    assert f"at FAR 0.1 (--data {data})" in out


def test_video_against_itself_exits_0(tiny_gallery, tmp_path, capsys):
    _, run, _ = tiny_gallery
    clip = vtest_clip(tmp_path / "clip.avi", 12)
    code = verify(clip, clip, "--checkpoint", run, "--threshold", "0.001", "--out",
                  tmp_path / "work")
    assert code == 0, capsys.readouterr().err
    assert "<= threshold 0.0010 (--threshold)" in capsys.readouterr().out


def test_trouble_exits_2_with_one_line(tiny_gallery, tmp_path, capsys):
    data, run, gallery = tiny_gallery
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    cases = [
        ((tmp_path / "missing.mp4", f"{data}:001/nm-01/000", "--gallery", gallery),
         "not a video, not SHARDS:SEQUENCE_KEY"),
        ((f"{data}:999/nm-01/000", "001", "--gallery", gallery), "no sequence '999/nm-01/000'"),
        (("001", "002", "--checkpoint", run, "--data", data), "needs --gallery"),
        ((f"{data}:001/nm-01/000", "002", "--gallery", gallery, "--far", "2"), "--far 2"),
        ((f"{data}:001/nm-01/000", f"{data}:002/nm-01/000"), "needs a model"),
        ((f"{data}:001/nm-01/000", f"{data}:002/nm-01/000", "--checkpoint", run),
         "needs a threshold"),
        ((broken, f"{data}:001/nm-01/000", "--checkpoint", run, "--threshold", "1", "--out",
          tmp_path / "work"), "broken.mp4"),
    ]
    for args, message in cases:
        code = verify(*args)
        err = capsys.readouterr().err.strip()
        assert code == 2, (args, err)
        assert len(err.splitlines()) == 1 and message in err, (args, err)
    assert main(["verify", "only-one-side"]) == 2  # usage: B is missing
