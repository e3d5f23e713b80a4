"""The triplet loss under DDP sees the global batch: torchrun ranks against one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from heatgait.models.losses import batch_all_triplet
from tests.models.ddp_triplet_worker import BRANCHES, global_batch

WORKER = Path(__file__).with_name("ddp_triplet_worker.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("world", [2, 4])
def test_gathered_triplet_equals_one_process(world: int, tmp_path: Path) -> None:
    p, k = 4, 2  # with 4 ranks each holds one subject: no negatives without the gather
    out = tmp_path / "ranks.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(world),
         "--standalone", str(WORKER), str(out), str(p), str(k)],
        capture_output=True, text=True, timeout=300, env=env, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = json.loads(out.read_text())

    embeddings, labels = global_batch(p, k)
    for i, branch in enumerate(BRANCHES):
        whole = embeddings[branch].clone().requires_grad_(True)
        loss, share = batch_all_triplet(whole, labels)
        loss.backward()
        assert loss.item() > 0
        for rank_values in ranks["triplet"]:  # every rank logs the global loss
            assert rank_values[i] == pytest.approx(loss.item(), abs=1e-5)
        assert ranks["active"][i] == pytest.approx(share.item(), abs=1e-6)
        grad = torch.tensor(ranks["grad"][i])
        assert torch.allclose(grad, whole.grad, atol=1e-5), (grad - whole.grad).abs().max()
