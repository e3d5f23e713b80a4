"""The command skeleton: help, conventions for errors and exit codes, import cost."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from typer.testing import CliRunner

from heatgait.cli.app import COMMANDS, app, main

runner = CliRunner()


def test_help_lists_every_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("extract", "train", "eval", "synth", "check", "show", "demo", "env"):
        assert name in result.output
    assert {c[0] for c in COMMANDS} >= {"extract", "train", "eval", "synth", "check", "show",
                                         "demo", "env"}


def test_misspelled_command_gets_a_suggestion():
    result = runner.invoke(app, ["extrct"])
    assert result.exit_code == 2
    assert "extract" in result.output


def test_help_does_not_import_torch_and_is_fast():
    code = ("import sys, time; t = time.perf_counter(); from heatgait.cli.app import main;"
            "rc = main(['--help']); print('TORCH' if 'torch' in sys.modules else 'NOTORCH');"
            "print(time.perf_counter() - t)")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    lines = out.stdout.strip().splitlines()
    assert lines[-2] == "NOTORCH"
    # Budget is 1 s on an idle machine (see benchmarks); a loaded CI box gets slack here.
    assert wall < 5, wall


def test_main_turns_heatgait_errors_into_one_line(monkeypatch, capsys):
    import typer

    from heatgait.errors import ShardError

    probe = typer.Typer()

    @probe.command()
    def boom() -> None:
        raise ShardError("shard x.h5: truncated; rerun heatgait extract to rewrite it")

    monkeypatch.setattr("heatgait.cli.app.app", probe)
    monkeypatch.delenv("HEATGAIT_DEBUG", raising=False)
    assert main([]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["heatgait: shard x.h5: truncated; rerun heatgait extract to rewrite it"]


def test_console_script_runs_from_any_directory(tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable), "heatgait")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, cwd=tmp_path,
                         check=False)
    assert out.returncode == 0 and out.stdout.startswith("heatgait ")


def test_help_text_flows_as_paragraphs():
    wide = runner.invoke(app, ["synth", "--help"], terminal_width=200, env={"COLUMNS": "200"})
    assert wide.exit_code == 0
    assert "the conditions nm (normal), bg (a bag) and cl (a coat) change" in wide.output
    assert "  heatgait synth data/synth --subjects 40 --seed 1" in wide.output  # examples kept


def test_verbose_is_accepted_anywhere_and_third_party_noise_is_hidden():
    from heatgait.cli.output import take_verbose_flag

    assert take_verbose_flag(["eval", "run", "--verbose"]) == (["eval", "run"], True)
    assert take_verbose_flag(["train", "--", "--verbose"]) == (["train", "--", "--verbose"],
                                                               False)
    noisy = "from mmpose.apis import init_model; from mmdet.apis import init_detector"
    loud = subprocess.run([sys.executable, "-c", noisy], capture_output=True, text=True,
                          check=True)
    assert "pkg_resources is deprecated" in loud.stderr  # what a newcomer would otherwise see
    code = f"from heatgait.cli.output import quiet_third_party; quiet_third_party(); {noisy}"
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)
    assert quiet.stderr == "", quiet.stderr


def test_a_newcomers_terminal_shows_heatgait_lines_only(tmp_path):
    from tests.footage import require_vtest

    exe = os.path.join(os.path.dirname(sys.executable), "heatgait")
    video = str(require_vtest())
    runs = {
        "mm": [exe, "extract", video, "--pose", "hrnet", "--det", "rtmdet-person",
               "--random-init", "--max-frames", "2", "--out", str(tmp_path / "mm")],
        "blazepose": [exe, "extract", video, "--pose", "blazepose", "--max-frames", "12",
                      "--out", str(tmp_path / "bp")],
    }
    for name, argv in runs.items():
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        for noise in ("Warning", "mmengine - INFO", "XNNPACK", "pkg_resources"):
            assert noise not in done.stderr, (name, done.stderr[-800:])
    # --verbose shows LiteRT's line again; it is printed when the model loads, so 2 frames do
    loud = subprocess.run([exe, "extract", video, "--pose", "blazepose", "--max-frames", "2",
                           "--out", str(tmp_path / "bp2"), "--verbose"],
                          capture_output=True, text=True, check=False)
    assert loud.returncode == 0 and "XNNPACK" in loud.stderr  # --verbose shows it again
