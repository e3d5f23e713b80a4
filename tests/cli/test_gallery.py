"""`heatgait gallery list --json`: the listing as JSON, written through fileio."""

from __future__ import annotations

import json

import numpy as np

from heatgait.cli.app import main
from heatgait.gallery import Gallery
from tests.gallery.conftest import FINGERPRINT, items, people


def test_list_json_holds_every_entry_and_leaves_no_temporary(tmp_path, capsys):
    _, emb, owner = people(np.random.default_rng(0), 2)
    with Gallery(tmp_path / "g", create=True) as gallery:
        gallery.add(emb, items(owner), FINGERPRINT)
    out = tmp_path / "out" / "list.json"
    assert main(["gallery", "list", str(tmp_path / "g"), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert [e["name"] for e in data["entries"]] == [f"p{o:05d}" for o in owner]
    assert data["model"]["digest"] == FINGERPRINT["digest"]
    assert [p.name for p in out.parent.iterdir()] == ["list.json"]
    assert "6 entries, 2 names" in capsys.readouterr().out
