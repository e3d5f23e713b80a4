"""``heatgait demo`` end to end at toy sizes: every stage runs and leaves what it names."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from heatgait.cli.app import app
from heatgait.extract.job.sample_video import vtest_path


@pytest.mark.slow
def test_demo_runs_every_stage_and_names_its_outputs(tmp_path):
    assert vtest_path() is not None, "vtest.avi missing: make data installs opencv-doc"
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--iterations", "3",
                                      "--subjects", "8", "--video-frames", "12", "--quiet"])
    assert result.exit_code == 0, result.output
    text = result.output
    for step in ("[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]"):
        assert step in text
    assert "walkers tracked in vtest.avi" in text
    assert "NM" in text and "CL" in text and "Mean" in text
    for name in ("stage1-sequences.png", "results.json", "rank1-per-view.png",
                 "alignment-before-after.png", "run/loss.png", "run/recipe.yaml"):
        assert (out / name).is_file(), name
        assert str(out / name) in text or name.startswith("run/")
    results = json.loads((out / "results.json").read_text())
    assert set(results) >= {"NM", "BG", "CL", "mean"}
    assert 0.0 <= results["NM"]["rank1"] <= 100.0
    assert f"everything is in {out.resolve()}" in text
