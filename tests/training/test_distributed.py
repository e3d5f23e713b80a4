"""DDP on the CPU: two gloo processes under torchrun train, one checkpoint, disjoint data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from heatgait.training.checkpoint import load_checkpoint
from tests.training.conftest import TINY_SETS


@pytest.mark.slow
def test_two_processes_with_gloo(tiny_data: Path, tmp_path: Path):
    run = tmp_path / "ddp"
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
               "--standalone", "-m", "heatgait.cli.app", "train", "-p",
               str(tiny_data / "recipe.yaml"), "-d", str(tiny_data), "--out", str(run),
               "--device", "cpu", "--quiet"]
    for item in [*TINY_SETS, "train.iterations=2", "train.checkpoint_every=2"]:
        command += ["--set", item]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("trained gaitheat") == 1  # only rank 0 reports
    state = load_checkpoint(run)
    assert state["iteration"] == 2 and state["extra"]["world_size"] == 2
    rank0, rank1 = state["extra"]["last_batch_labels"]
    assert len(rank0) == len(rank1) == 2  # P x K = 2 x 2 split across two ranks
    assert not set(rank0) & set(rank1)  # whole, different subjects per rank
    assert len(state["extra"]["rng_ranks"]) == 2
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == [
        "iter-000002.pt", "latest.pt"]


@pytest.fixture(scope="module")
def four_subject_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 subjects (4 train) x 2 types x 2 views: enough for P = 4 on four ranks."""
    from heatgait.synth.generate import generate_dataset

    out = tmp_path_factory.mktemp("four-train-subjects")
    generate_dataset(out, progress=False, subjects=8, seed=5, views=("000", "090"),
                     types=("nm-01", "nm-02"), frames=(6, 8))
    return out


@pytest.mark.slow
def test_four_ranks_one_subject_each_still_have_triplets(four_subject_data: Path,
                                                          tmp_path: Path):
    """P = 4, K = 2 on four ranks puts one subject on each: only the gathered batch has
    negatives, so every branch logs active triplets (a per-rank loss logs 0.00)."""
    from heatgait.training.runlog import read_metrics

    run = tmp_path / "ddp4"
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "4",
               "--standalone", "-m", "heatgait.cli.app", "train", "-p",
               str(four_subject_data / "recipe.yaml"), "-d", str(four_subject_data),
               "--out", str(run), "--device", "cpu", "--quiet"]
    for item in [*TINY_SETS, "data.batch_p=4", "data.batch_k=2", "train.iterations=2",
                 "train.checkpoint_every=2"]:
        command += ["--set", item]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    state = load_checkpoint(run)
    assert state["extra"]["world_size"] == 4
    assert all(len(set(labels)) == 1 for labels in state["extra"]["last_batch_labels"])
    rows = read_metrics(run)
    assert rows
    for row in rows:
        for branch in ("global", "local", "fusion"):
            assert row[f"{branch}/triplet_active"] > 0, row
            assert row[f"{branch}/triplet"] > 0, row
