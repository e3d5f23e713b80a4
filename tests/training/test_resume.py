"""A run killed with SIGKILL after a checkpoint and resumed matches a run that never stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from heatgait.training.checkpoint import load_checkpoint
from heatgait.training.run import train
from heatgait.training.runlog import read_metrics
from tests.training.conftest import TINY_SETS, tiny_recipe

ITERATIONS = 8
SETS = ["train.checkpoint_every=2", f"train.iterations={ITERATIONS}", "data.num_workers=1"]


@pytest.mark.slow
def test_sigkill_then_resume_matches_uninterrupted(tiny_data: Path, tmp_path: Path):
    reference = train(tiny_recipe(tiny_data, *SETS), [tiny_data], tmp_path / "ref",
                      device="cpu", progress=False)
    assert reference.iterations == ITERATIONS

    run = tmp_path / "killed"
    command = [sys.executable, "-m", "heatgait.cli.app", "train", "-p",
               str(tiny_data / "recipe.yaml"), "-d", str(tiny_data), "--out", str(run),
               "--device", "cpu", "--quiet"]
    for item in [*TINY_SETS, *SETS]:
        command += ["--set", item]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    first = run / "checkpoints" / "latest.pt"
    deadline = time.monotonic() + 300
    while not first.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()[-2000:]
    stopped_at = load_checkpoint(run)["iteration"]
    assert 2 <= stopped_at < ITERATIONS

    resumed = train(tiny_recipe(tiny_data, *SETS), [tiny_data], run, resume=True,
                    device="cpu", progress=False)
    assert resumed.start_iteration == stopped_at and resumed.iterations == ITERATIONS

    expected = {r["iteration"]: r["loss"] for r in read_metrics(tmp_path / "ref")}
    got = {r["iteration"]: r["loss"] for r in read_metrics(run)}
    assert sorted(got) == list(range(1, ITERATIONS + 1)) == sorted(expected)
    for iteration, loss in expected.items():
        assert got[iteration] == pytest.approx(loss, abs=1e-6), iteration
    a = load_checkpoint(tmp_path / "ref")["model"]
    b = load_checkpoint(run)["model"]
    for name in a:
        assert torch.allclose(a[name].float(), b[name].float(), atol=1e-6), name


def test_resume_needs_a_checkpoint_and_a_new_run_needs_a_free_folder(tiny_data, tmp_path):
    from heatgait.errors import UsageError

    with pytest.raises(UsageError, match="--resume"):
        train(tiny_recipe(tiny_data), [tiny_data], tmp_path, resume=True, device="cpu")
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "latest.pt").write_bytes(b"x")
    with pytest.raises(UsageError, match="already holds a run"):
        train(tiny_recipe(tiny_data), [tiny_data], tmp_path, device="cpu")
