"""`heatgait reproduce`: every table's plan is ordinary commands; Table 5 runs end to end."""

from __future__ import annotations

import json
import shlex

import pytest
import typer
from typer.main import get_command

from heatgait.cli.app import app, main
from heatgait.reproduce.plan import TABLE_PLANS, plan_table
from heatgait.synth.generate import generate_dataset, options_for_recipe

TOY = ["model.channels=[4, 8, 8, 16]", "model.embed_dim=8", "model.parts=4", "data.batch_p=2",
       "data.batch_k=2", "data.frames_per_sequence=3", "data.num_workers=0",
       "train.iterations=2", "train.milestones=[1]", "train.log_every=1"]


def parse_with_cli(command: str) -> None:
    """Parse a printed command with heatgait's own CLI (no run): bad options raise."""
    words = shlex.split(command)
    assert words[0] == "heatgait"
    group = get_command(app)
    sub = group.get_command(typer.Context(group), words[1])
    assert sub is not None, command
    sub.make_context(words[1], words[2:])


@pytest.mark.parametrize("table", [*map(str, TABLE_PLANS), "all"])
def test_dry_run_prints_commands_the_cli_accepts(table, tmp_path, capsys):
    assert main(["reproduce", table, "--data-root", str(tmp_path / "data"), "--runs",
                 str(tmp_path / "runs"), "--dry-run"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines and all(line.startswith("to do heatgait ") for line in lines)
    kinds = [line.split()[3] for line in lines]
    assert kinds == sorted(kinds, key=["extract", "train", "eval"].index)  # in order
    assert len(set(lines)) == len(lines)  # each step once
    for line in lines:
        parse_with_cli(line.removeprefix("to do "))


def test_table_5_plan_matches_the_paper_layout(tmp_path):
    steps = plan_table("5", tmp_path / "data", tmp_path / "runs")
    evals = [s for s in steps if s.kind == "eval"]
    assert len(evals) == 8  # {w/o, w} x {CA->CA, CC->CA, CC->CC, CA->CC}
    assert sum("--cross" in s.argv for s in evals) == 4
    assert {s.recipe for s in steps if s.kind == "train"} == {
        "casia-b", "casia-b-nopgha", "ccpg", "ccpg-nopgha"}


@pytest.mark.parametrize("table, message", [("7", "tables 1, 2, 3, 4, 5"),
                                            ("1", "CASIA-B videos")])
def test_bad_table_and_missing_data_are_named(table, message, tmp_path, capsys):
    assert main(["reproduce", table, "--data-root", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


@pytest.mark.slow
def test_reproduce_table_5_end_to_end_at_toy_size(tmp_path, capsys):
    runs = tmp_path / "runs"
    for recipe, shards in (("casia-b", "casia-b-hrnet"), ("ccpg", "ccpg-hrnet")):
        views = ("000", "090") if recipe == "casia-b" else ("1_1", "2_1")
        generate_dataset(runs / "shards" / shards, options_for_recipe(
            recipe, 6, seed=1, frames=(5, 7), views=views), progress=False)
    args = ["reproduce", "5", "--data-root", str(tmp_path / "no-videos"), "--runs", str(runs)]
    args += [arg for item in TOY for arg in ("--set", item)]
    assert main(args) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert out.count("extract") >= 2 and "skipped" in out  # the synthetic shards pass check
    results = sorted((runs / "results").glob("*.json"))
    assert len(results) == 8
    for path in results:
        data = json.loads(path.read_text())
        assert 0.0 <= data["mean"]["rank1"] <= 100.0
    assert main(args) == 0  # a rerun finds everything done
    again = capsys.readouterr().out
    assert again.count("done (") == 2 + 4 + 8
    png = tmp_path / "table5.png"
    assert main(["report", *map(str, results), "--table", "5", "--png", str(png)]) == 0
    report = capsys.readouterr().out
    assert "Table 5" in report and "PGHA" in report
    for published in ("89.61", "44.32", "14.59", "21.59"):  # the paper's cells beside ours
        assert published in report
    assert png.read_bytes()[:4] == b"\x89PNG"
