"""Checkpoint files: atomic writes, RNG round trip, and the errors eval and resume rely on."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest
import torch

from heatgait.data.schema import SCHEMA_VERSION
from heatgait.errors import HeatgaitError, UsageError
from heatgait.training import checkpoint as ckpt


def _state(variant: str = "gaitheat") -> dict:
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 3)).sum().backward()
    opt.step()
    return ckpt.make_checkpoint(
        model=model, optimizer=opt, scheduler=None, sampler_state={"seed": 0, "epoch": 0,
                                                                   "step": 5},
        scaler=None, iteration=5, recipe={"name": "x"}, label_map={"001": 0, "002": 1},
        variant=variant, dataset="synthetic", code="SY")


def test_round_trip_and_run_layout(tmp_path):
    state = _state()
    path = ckpt.save_run_checkpoint(state, tmp_path)
    assert path.name == "iter-000005.pt"
    assert (tmp_path / "checkpoints" / "latest.pt").is_file()
    loaded = ckpt.load_checkpoint(tmp_path)  # a run folder resolves to latest.pt
    assert loaded["iteration"] == 5 and loaded["label_map"] == {"001": 0, "002": 1}
    assert loaded["schema"] == SCHEMA_VERSION and loaded["variant"] == "gaitheat"
    assert torch.equal(loaded["model"]["weight"], state["model"]["weight"])
    assert loaded["optimizer"]["state"][0]["momentum_buffer"].shape == (2, 3)
    assert not [p for p in (tmp_path / "checkpoints").iterdir() if p.suffix == ".tmp"]


def test_a_save_serialises_and_writes_the_state_once(tmp_path, monkeypatch):
    calls = []
    real_save = torch.save
    monkeypatch.setattr(torch, "save", lambda *a, **k: calls.append(1) or real_save(*a, **k))
    path = ckpt.save_run_checkpoint(_state(), tmp_path)
    latest = tmp_path / "checkpoints" / "latest.pt"
    assert len(calls) == 1
    assert latest.read_bytes() == path.read_bytes()
    ckpt.save_run_checkpoint({**_state(), "iteration": 6}, tmp_path)  # latest moves on
    assert ckpt.load_checkpoint(tmp_path)["iteration"] == 6
    assert ckpt.load_checkpoint(path)["iteration"] == 5  # the older numbered file is intact
    assert not [p for p in latest.parent.iterdir() if p.suffix == ".tmp"]


def test_rng_states_restore_exactly():
    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    saved = ckpt.capture_rng()
    expected = (random.random(), np.random.rand(), torch.rand(1).item())
    random.random(), np.random.rand(), torch.rand(1)  # move on
    ckpt.restore_rng(saved)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == expected


def test_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "latest.pt"
    ckpt.save_checkpoint(_state(), path)
    before = path.read_bytes()
    with pytest.raises((AttributeError, TypeError, pickle.PicklingError)):
        ckpt.save_checkpoint({"bad": lambda: 0}, path)  # a lambda cannot be pickled
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["latest.pt"]


def test_not_a_checkpoint(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a pickle at all")
    with pytest.raises(HeatgaitError, match="not a heatgait checkpoint"):
        ckpt.load_checkpoint(junk)
    other = tmp_path / "other.pt"
    torch.save({"state_dict": {}}, other)
    with pytest.raises(HeatgaitError, match="not a heatgait checkpoint"):
        ckpt.load_checkpoint(other)
    with pytest.raises(UsageError, match="no such file"):
        ckpt.load_checkpoint(tmp_path / "missing")


def test_other_schema_and_variant_are_named(tmp_path):
    state = _state("gaitheat-nopgha")
    path = ckpt.save_checkpoint(state, tmp_path / "a.pt")
    with pytest.raises(HeatgaitError, match="'gaitheat-nopgha'.*'gaitheat'"):
        ckpt.load_checkpoint(path, variant="gaitheat")
    assert ckpt.load_checkpoint(path, variant="gaitheat-nopgha")["variant"] == "gaitheat-nopgha"
    state["schema"] = SCHEMA_VERSION + 1
    ckpt.save_checkpoint(state, path)
    with pytest.raises(HeatgaitError, match=f"schema version {SCHEMA_VERSION + 1}"):
        ckpt.load_checkpoint(path)


def test_runs_saved_before_translate_below_keep_the_pgha_they_trained_with(tmp_path):
    old = _state()
    old["recipe"] = {"name": "x", "model": {"name": "gaitheat", "gamma": 5.0}}
    ckpt.save_checkpoint(old, tmp_path / "old.pt")
    assert ckpt.load_checkpoint(tmp_path / "old.pt")["recipe"]["model"]["translate_below"] is True
    new = _state()
    new["recipe"] = {"name": "x", "model": {"name": "gaitheat", "translate_below": False}}
    ckpt.save_checkpoint(new, tmp_path / "new.pt")
    assert ckpt.load_checkpoint(tmp_path / "new.pt")["recipe"]["model"]["translate_below"] is False
