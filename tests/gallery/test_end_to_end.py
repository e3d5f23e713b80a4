"""The whole flow at toy size, through the CLI: synth -> train -> gallery add -> calibrate ->
identify, checked against eval's own numbers; real videos; the bad inputs of issue 14."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from heatgait.cli.app import main
from heatgait.config import EvalConfig, load_recipe
from heatgait.data.shardset import ShardSet
from heatgait.evaluation.protocols import evaluate_embeddings
from heatgait.extract.job.sample_video import vtest_path
from heatgait.gallery import Gallery
from tests.footage import read_frames
from tests.gallery.helpers import copy_sequences

REPO = Path(__file__).resolve().parents[2]
TRAIN = {"001", "002", "003"}


def train_run(data: Path, out: Path, seed: int) -> Path:
    from heatgait.training.run import train

    recipe = load_recipe(str(data / "recipe.yaml"), [
        "model.channels=[8, 16, 32, 64]", "model.embed_dim=16", "model.parts=4",
        "train.iterations=2", "train.checkpoint_every=2", "data.batch_p=3", "data.batch_k=2",
        "data.frames_per_sequence=4", "data.num_workers=0", f"train.seed={seed}"])
    train(recipe, [data], out, device="cpu", progress=False)
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A synthetic set of 6 subjects (001-003 train), two toy runs, and shard subsets."""
    from heatgait.synth.generate import generate_dataset

    root = tmp_path_factory.mktemp("e2e")
    generate_dataset(root / "data", subjects=6, views=("000", "090"), frames=(8, 10),
                     types=("nm-01", "nm-02", "bg-01", "cl-01"), progress=False)
    runs = [train_run(root / "data", root / f"run{seed}", seed) for seed in (0, 1)]
    parts = {"enrol": lambda s: s.subject in TRAIN and s.type.startswith("nm"),
             "probe": lambda s: s.subject in TRAIN and not s.type.startswith("nm"),
             "strangers": lambda s: s.subject not in TRAIN}
    for name, keep in parts.items():
        copy_sequences(root / "data", root / name, keep)
    return root, runs


def cli(*args: str) -> int:
    return main([str(a) for a in args])


@pytest.mark.slow
def test_enrol_calibrate_identify_agree_with_eval(world, tmp_path, capsys):
    root, (run, other_run) = world
    gallery = tmp_path / "people"
    assert cli("gallery", "add", gallery, run, root / "enrol", "--name-from", "subject",
               "--device", "cpu", "-q") == 0
    assert "added 12 entries" in capsys.readouterr().out  # 3 subjects x 2 nm x 2 views
    assert cli("gallery", "list", gallery) == 0
    listing = capsys.readouterr().out
    assert "12 entries, 3 names" in listing and "threshold: none" in listing

    # closed set: identify's top-1 names = eval's rank-1 with the same gallery and probes
    assert cli("identify", root / "probe", "--gallery", gallery, "--json", tmp_path / "p.json",
               "--out", tmp_path / "work", "--device", "cpu", "-q") == 0
    tracks = json.loads((tmp_path / "p.json").read_text())["tracks"]
    assert len(tracks) == 12 and all(len(t["matches"]) == 3 for t in tracks)
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    top1 = np.mean([t["matches"][0]["name"] == t["sequence_key"].split("/")[0] for t in tracks])
    from heatgait.gallery.encoder import load_encoder

    encoder = load_encoder(run, "cpu")
    shards = ShardSet([root / "enrol", root / "probe"])
    emb = encoder.embed(shards, range(len(shards)))
    infos = shards.sequences
    # reid mode with one view label per sequence: nothing is excluded but the self-match,
    # i.e. the whole gallery of every view, as identify uses it
    config = EvalConfig(mode="reid", gallery=["nm-01", "nm-02"],
                        probes={"BGCL": ["bg-01", "cl-01"]}, metrics=["rank1"])
    result = evaluate_embeddings(emb, [s.subject for s in infos], [s.type for s in infos],
                                 [s.key for s in infos], config, verification=False)
    assert top1 * 100 == pytest.approx(result.probe_sets["BGCL"].metrics["rank1"])

    # open set: calibrate on the strangers, then the strangers come out unknown at that FAR
    assert cli("gallery", "calibrate", gallery, "--data", root / "strangers", "--far", "0.1",
               "--device", "cpu", "-q") == 0
    assert "threshold" in capsys.readouterr().out
    with Gallery(gallery) as g:
        record = g.calibration
    assert record["impostor"] == 24 and record["far_target"] == 0.1
    assert cli("identify", root / "strangers", "--gallery", gallery, "--json",
               tmp_path / "s.json", "--out", tmp_path / "work", "--device", "cpu", "-q") == 0
    strangers = json.loads((tmp_path / "s.json").read_text())
    assert strangers["threshold_source"] == "calibrated"
    accepted = np.mean([t["accepted"] for t in strangers["tracks"]])
    assert accepted == pytest.approx(record["far"]) and accepted <= 0.1
    assert all(t["decision"] == "unknown" for t in strangers["tracks"] if not t["accepted"])
    assert cli("identify", root / "strangers", "--gallery", gallery, "--threshold", "1e9",
               "--out", tmp_path / "work", "--device", "cpu", "-q") == 0
    assert "unknown 0" in capsys.readouterr().out  # --threshold wins over the calibration

    # bad input: another checkpoint, --top 0, an empty gallery; nothing is lost
    assert cli("gallery", "add", gallery, other_run, root / "probe", "--device", "cpu") == 1
    error = capsys.readouterr().err.strip()
    assert str(run) in error and str(other_run) in error and "\n" not in error
    assert cli("identify", root / "probe", "--gallery", gallery, "--checkpoint", other_run,
               "--device", "cpu") == 1
    assert "another model" in capsys.readouterr().err
    assert cli("identify", root / "probe", "--gallery", gallery, "--top", "0") == 2
    assert "--top 0" in capsys.readouterr().err
    with Gallery(gallery) as g:
        assert g.count() == 12
    assert cli("gallery", "remove", gallery, "--name", "001", "--name", "002", "--name",
               "003") == 0
    assert "12 entries; 0 left" in capsys.readouterr().out
    assert cli("identify", root / "probe", "--gallery", gallery) == 2
    assert "is empty" in capsys.readouterr().err


@pytest.mark.slow
def test_two_cli_adds_at_once_both_land(world, tmp_path):
    root, (run, _) = world
    gallery = tmp_path / "shared"
    procs = [subprocess.Popen([sys.executable, "-m", "heatgait.cli.app", "gallery", "add",
                               str(gallery), str(run), str(root / part), "--device", "cpu",
                               "-q"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for part in ("enrol", "strangers")]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    with Gallery(gallery) as g:
        assert g.count() == 12 + 24


def write_clip(path: Path, frames: list[np.ndarray]) -> Path:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (w, h))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


@pytest.mark.slow
def test_real_video_enrol_then_identify_and_a_video_where_nobody_walks(world, tmp_path, capsys):
    root, (run, _) = world
    video = vtest_path()
    assert video is not None, "vtest.avi missing: make data installs opencv-doc"
    first = write_clip(tmp_path / "first.avi", read_frames(video, list(range(0, 16))))
    second = write_clip(tmp_path / "second.avi", read_frames(video, list(range(16, 32))))
    empty = write_clip(tmp_path / "empty.avi", [np.full((240, 320, 3), 90, np.uint8)] * 12)
    gallery = tmp_path / "street"
    assert cli("gallery", "add", gallery, run, empty, "--device", "cpu", "-q") == 0
    assert "nobody walks" in capsys.readouterr().out
    assert not (gallery / "gallery.sqlite").exists()  # no entries, no gallery
    assert cli("gallery", "add", gallery, run, first, "--device", "cpu", "-q") == 0
    with Gallery(gallery) as g:
        entries = g.entries()
        assert entries and all(e.sequence_key.startswith("first/seq/000/track-") for e in entries)
        assert all(e.source == str(first.resolve()) for e in entries)
        strip = cv2.imdecode(np.frombuffer(g.picture(entries[0].id), np.uint8), cv2.IMREAD_COLOR)
        assert strip.shape[0] == 128 and strip.std() > 10  # an RGB crop, not a blank tile
    capsys.readouterr()
    assert cli("identify", second, "--gallery", gallery, "--json", tmp_path / "id.json",
               "--out", tmp_path / "work", "--device", "cpu", "-q") == 0
    found = json.loads((tmp_path / "id.json").read_text())
    assert found["tracks"] and all(t["sequence_key"].startswith("second/") for t in found["tracks"])
    assert {m["name"] for t in found["tracks"] for m in t["matches"]} <= \
        {e.name for e in entries}
    picture = cv2.imread(str(tmp_path / "id.png"))
    assert picture.shape[0] >= 148 * min(len(found["tracks"]), 40)
