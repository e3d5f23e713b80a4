"""The embeddings file: round trip, atomic replacement, and no torch needed to read it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from heatgait.evaluation.embedfile import load_embeddings, save_embeddings


def test_round_trip_keeps_arrays_and_meta(tmp_path):
    emb = np.random.default_rng(0).normal(size=(3, 8, 2)).astype(np.float32)
    path = save_embeddings(tmp_path / "sub" / "emb.npz", emb, ["001", "001", "002"],
                           ["nm-01", "nm-05", "nm-01"], ["000", "090", "000"], checkpoint="c.pt")
    arrays = load_embeddings(path)
    np.testing.assert_array_equal(arrays[0], emb)
    assert arrays[1].tolist() == ["001", "001", "002"] and arrays[3].tolist()[1] == "090"
    with np.load(path) as data:
        assert str(data["meta_checkpoint"]) == "c.pt"
    assert path.name == "emb.npz"  # numpy does not append a second ".npz"


def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path):
    path = save_embeddings(tmp_path / "emb.npz", np.ones((2, 4)), ["a", "b"], ["t", "t"],
                           ["0", "0"])
    before = path.read_bytes()
    with pytest.raises(ValueError):  # text cannot become float32 embeddings
        save_embeddings(path, np.array([["x"]]), ["a"], ["t"], ["0"])
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["emb.npz"]


def test_scoring_a_file_loads_no_torch_and_no_plotting(tmp_path):
    rng = np.random.default_rng(0)
    rows = [(f"{s:03d}", t, v) for s in range(75, 79) for t in ("nm-01", "nm-05", "bg-01", "cl-01")
            for v in ("000", "090")]
    path = save_embeddings(tmp_path / "emb.npz", rng.normal(size=(len(rows), 8, 2)), *zip(*rows))
    code = ("import sys; from heatgait.cli.app import main; "
            f"rc = main(['eval', '--embeddings', {str(path)!r}, '-p', 'casia-b', "
            "'--set', 'eval.probes={NM: [nm-05], BG: [bg-01], CL: [cl-01]}', "
            "'--set', 'eval.gallery=[nm-01]', '-q']); "
            "heavy = [m for m in ('torch', 'matplotlib', 'mmengine', 'faiss') "
            "if m in sys.modules]; print('HEAVY', heavy, rc)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False, timeout=120)
    assert "HEAVY [] 0" in out.stdout, out.stdout + out.stderr
    assert "NM" in out.stdout  # the table was printed
