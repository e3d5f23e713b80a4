"""One rank of the gathered-triplet check, started by tests/models/test_losses_ddp.py.

Every rank builds the same global batch (seeded), keeps its own slice, computes GaitHeatLoss on
it (cross-entropy weight 0, so only the triplet term back-propagates), and back-propagates; its
gradient is divided by the world size, as DDP's all-reduce averages. Rank 0 writes the logged
triplet values and the ranks' gradients, concatenated, to the JSON file named on the command
line.

    python -m torch.distributed.run --nproc-per-node N tests/models/ddp_triplet_worker.py OUT P K
"""

from __future__ import annotations

import json
import sys

import torch
import torch.distributed as dist

from heatgait.models.losses import GaitHeatLoss

BRANCHES = ("global", "local", "fusion")


def global_batch(p: int, k: int) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """Embeddings [P*K, 8, 4] per branch and labels [P*K], the same on every rank."""
    g = torch.Generator().manual_seed(11)
    labels = torch.arange(p).repeat_interleave(k) * 3 + 5  # arbitrary ids, subject-major
    return {b: torch.randn(p * k, 8, 4, generator=g) for b in BRANCHES}, labels


def main() -> None:
    out, p, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    embeddings, labels = global_batch(p, k)
    size = p * k // world  # whole subjects per rank, as heatgait.data.sampler slices
    mine = slice(rank * size, (rank + 1) * size)
    local = {b: e[mine].clone().requires_grad_(True) for b, e in embeddings.items()}
    outputs = {b: {"embeddings": local[b], "logits": torch.zeros(size, 16, 4)} for b in BRANCHES}
    loss, terms = GaitHeatLoss(ce_weight=0.0)(outputs, labels[mine])
    loss.backward()
    grads = torch.stack([local[b].grad / world for b in BRANCHES])  # DDP's mean over ranks
    gathered = [torch.empty_like(grads) for _ in range(world)]
    dist.all_gather(gathered, grads)
    values = [float(terms[f"{b}/triplet"]) for b in BRANCHES]
    active = [float(terms[f"{b}/triplet_active"]) for b in BRANCHES]
    all_values = [None] * world
    dist.all_gather_object(all_values, values)
    if rank == 0:
        with open(out, "w") as f:
            json.dump({"triplet": all_values, "active": active,
                       "grad": torch.cat(gathered, dim=1).tolist()}, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
