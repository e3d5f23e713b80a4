"""`heatgait synth` through the real CLI entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from heatgait.cli.app import main
from heatgait.data import ShardSet, load_split


def test_synth_writes_a_set_and_says_what_next(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "synth"
    code = main(["synth", str(out), "--subjects", "3", "--seed", "2", "--views", "0,90",
                 "--types", "nm-01,cl-01", "--frames", "5,6", "--tilt-deg", "0", "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "wrote 12 sequences" in printed and "heatgait train" in printed
    data = ShardSet(out)
    assert len(data) == 12
    assert {info.view for info in data.sequences} == {"000", "090"}  # CASIA-B view names
    assert load_split(out / "split.json").train == ["001", "002"]
    assert (out / "recipe.yaml").is_file()


@pytest.mark.parametrize("args", [["--frames", "ten"], ["--views", "side"], ["--subjects", "1"]])
def test_bad_options_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      args: list[str]) -> None:
    code = main(["synth", str(tmp_path / "x"), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("heatgait:") and len(err.strip().splitlines()) == 1
