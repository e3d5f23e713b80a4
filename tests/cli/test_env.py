"""``heatgait env`` reports the real stack of this machine."""

from __future__ import annotations

from typer.testing import CliRunner

from heatgait.cli.app import app
from heatgait.env import collect


def test_env_reports_versions_and_mmcv_ops():
    report = collect()
    assert report.versions["torch"] and report.versions["h5py"]
    assert report.mmcv_ops is None, report.mmcv_ops  # compiled ops load
    assert report.ok
    result = CliRunner().invoke(app, ["env"])
    assert result.exit_code == 0, result.output
    assert "mmcv ops" in result.output and "available" in result.output
    assert "devices" in result.output
