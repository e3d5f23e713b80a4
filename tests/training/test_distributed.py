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
