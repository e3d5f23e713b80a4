"""The training loop gets the same input, and so the same losses, from stored uint8 batches."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from heatgait.data.shardset import ShardSet
from heatgait.models.factory import build_model
from heatgait.models.losses import GaitHeatLoss
from heatgait.training.data import make_loader, select_training
from heatgait.training.distributed import DistContext
from heatgait.training.loop import Optimisation, run_loop
from tests.training.conftest import tiny_recipe

ITERATIONS = 4


def losses(data: Path, ship_stored: bool) -> list[float]:
    recipe = tiny_recipe(data)
    cfg, dcfg = recipe.train, recipe.data
    train_set = select_training(ShardSet(data), data / "split.json")
    torch.manual_seed(cfg.seed)
    model = build_model(recipe.model, len(train_set.label_map))
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum,
                                weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, cfg.milestones, cfg.lr_gamma)
    opt = Optimisation(model, GaitHeatLoss(), optimizer, scheduler)
    ctx = DistContext(rank=0, world_size=1, local_rank=0, device=torch.device("cpu"))
    loader, _ = make_loader(train_set, p=dcfg.batch_p, k=dcfg.batch_k,
                            frames=dcfg.frames_per_sequence, normalize=True, seed=cfg.seed,
                            rank=0, world_size=1, start=0, end=ITERATIONS, num_workers=1,
                            pin_memory=False, ship_stored=ship_stored)
    seen: list[float] = []
    run_loop(opt, loader, ctx, 0, ITERATIONS, lambda result: seen.append(result.loss))
    return seen


@pytest.mark.slow
def test_stored_and_float_loaders_give_the_same_losses(tiny_data: Path) -> None:
    stored, floats = losses(tiny_data, True), losses(tiny_data, False)
    assert len(stored) == len(floats) == ITERATIONS
    # to_model_input repeats the CPU path's float32 operations, so the inputs are bit for bit
    # equal and so are the losses: exact equality, no tolerance. (A tolerance would not do:
    # in this tiny network a 1-ulp input change already moved the first loss by 5e-6 and the
    # fourth by 1.8, through BatchNorm on near-constant channels and triplet terms near 0.)
    assert stored == floats
