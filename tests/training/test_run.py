"""The train command end to end on a tiny set: outputs, stops on a bad loss, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from heatgait.cli.app import app
from heatgait.errors import HeatgaitError
from heatgait.training.checkpoint import load_checkpoint
from heatgait.training.run import train
from heatgait.training.runlog import read_metrics
from tests.training.conftest import TINY_SETS, tiny_recipe


@pytest.mark.slow
def test_cli_writes_a_complete_run_folder(tiny_data: Path, tmp_path: Path):
    args = ["train", "-p", str(tiny_data / "recipe.yaml"), "-d", str(tiny_data), "--out",
            str(tmp_path / "run"), "--device", "cpu", "--quiet"]
    for item in [*TINY_SETS, "train.iterations=3", "train.checkpoint_every=2"]:
        args += ["--set", item]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "iterations 0 -> 3" in result.output
    run = tmp_path / "run"
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == [
        "iter-000002.pt", "iter-000003.pt", "latest.pt"]
    state = load_checkpoint(run, variant="gaitheat")
    assert state["iteration"] == 3 and state["label_map"] == {"001": 0, "002": 1}
    assert state["dataset"] == "synthetic" and state["sampler"]["step"] == 3
    assert state["recipe"]["model"]["channels"] == [4, 8, 8, 16]
    assert yaml.safe_load((run / "recipe.yaml").read_text())["train"]["iterations"] == 3
    rows = read_metrics(run)
    assert [r["iteration"] for r in rows] == [1, 2, 3]
    assert rows[-1]["lr"] == pytest.approx(0.1)  # the lr each step used; milestone 3 is after it
    assert state["optimizer"]["param_groups"][0]["lr"] == pytest.approx(0.1 * 0.1)
    assert all(r["loss"] > 0 and "fusion/triplet" in r for r in rows)
    assert (run / "loss.png").stat().st_size > 1000
    assert any((run / "tensorboard").iterdir())


@pytest.mark.slow
def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tiny_data, tmp_path):
    recipe = tiny_recipe(tiny_data, "train.lr=1.0e+30", "train.iterations=6",
                         "train.checkpoint_every=1")
    with pytest.raises(HeatgaitError, match="not finite|no longer finite") as error:
        train(recipe, [tiny_data], tmp_path, device="cpu", progress=False)
    assert "\n" not in str(error.value)
    state = load_checkpoint(tmp_path)
    assert 1 <= state["iteration"] < 6
    assert all(bool(v.float().isfinite().all()) for v in state["model"].values())


def test_no_training_subjects_in_the_shards(tiny_data, tmp_path):
    split = tmp_path / "other.json"
    split.write_text(json.dumps({"TRAIN_SET": ["900", "901"], "TEST_SET": ["000"]}))
    recipe = tiny_recipe(tiny_data, f"data.split={split}")
    with pytest.raises(HeatgaitError, match="no training subjects"):
        train(recipe, [tiny_data], tmp_path / "run", device="cpu", progress=False)


def test_more_identities_per_batch_than_subjects(tiny_data, tmp_path):
    recipe = tiny_recipe(tiny_data, "data.batch_p=5")
    with pytest.raises(HeatgaitError, match="batch_p=5.*only 2 training subjects"):
        train(recipe, [tiny_data], tmp_path / "run", device="cpu", progress=False)


def test_resume_with_other_subjects_is_refused(tiny_data, tmp_path):
    from heatgait.data.shardset import ShardSet
    from heatgait.training.data import select_training

    with pytest.raises(HeatgaitError, match="trained on 3 subjects"):
        select_training(ShardSet(tiny_data), tiny_data / "split.json",
                        {"000": 0, "001": 1, "777": 2})


@pytest.mark.slow
def test_regenerated_heatmaps_train_and_evaluate_from_keypoints(tiny_data: Path, tmp_path: Path):
    """Table 4's recipe switch end to end: the run records it and eval redraws the same way."""
    from heatgait.evaluation.run import evaluate_checkpoint

    recipe = tiny_recipe(tiny_data, "train.iterations=2", "data.heatmaps=regenerated")
    summary = train(recipe, [tiny_data], tmp_path / "run", device="cpu", progress=False)
    assert summary.iterations == 2
    state = load_checkpoint(tmp_path / "run")
    assert state["recipe"]["data"]["heatmaps"] == "regenerated"
    evaluation = evaluate_checkpoint(tmp_path / "run", [tiny_data], device="cpu", overrides=[
        "eval.gallery=[nm-01, nm-02]", "eval.probes={NM: [nm-05]}"])
    assert evaluation.provenance()["heatmaps"] == "regenerated"
    assert 0.0 <= evaluation.result.mean["rank1"] <= 100.0


def test_recipe_for_another_data_set_warns_and_is_kept(tiny_data: Path, tmp_path: Path,
                                                         capsys):
    """Synthetic shards trained with a CASIA-B-labelled recipe: one line, kept in the run."""
    from heatgait.cli.app import main

    args = ["train", "-p", str(tiny_data / "recipe.yaml"), "-d", str(tiny_data), "--out",
            str(tmp_path / "run"), "--device", "cpu", "--quiet", "--set", "data.dataset=CASIA-B",
            "--set", "data.code=CA", "--set", "train.iterations=1"]
    assert main(args + [a for s in TINY_SETS for a in ("--set", s)]) == 0
    [line] = [x for x in capsys.readouterr().err.splitlines() if "recipe is for" in x]
    assert "CASIA-B but the training shards are synthetic" in line
    state = load_checkpoint(tmp_path / "run")
    assert state["dataset"] == "CASIA-B" and state["extra"]["shards_datasets"] == ["synthetic"]
    assert "training shards are synthetic" in state["extra"]["dataset_warning"]
    # the matching recipe: no warning, nothing kept
    recipe = tiny_recipe(tiny_data, "train.iterations=1")
    train(recipe, [tiny_data], tmp_path / "same", device="cpu", progress=False)
    assert load_checkpoint(tmp_path / "same")["extra"]["dataset_warning"] == ""
    assert "recipe is for" not in capsys.readouterr().err
