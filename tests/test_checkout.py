"""The installed package is this checkout: a venv made from another checkout cannot test
stale code (heatgait.cli and heatgait.pipelines are mapped folders, easy to get wrong)."""

from __future__ import annotations

from pathlib import Path

import heatgait
import heatgait.cli
import heatgait.pipelines

ROOT = Path(__file__).resolve().parents[1]


def test_installed_package_resolves_to_this_checkout():
    assert Path(heatgait.__file__).resolve().parent == ROOT / "heatgait"
    assert Path(heatgait.cli.__file__).resolve().parent == ROOT / "cli"
    assert [Path(p).resolve() for p in heatgait.pipelines.__path__] == [ROOT / "pipelines"]
