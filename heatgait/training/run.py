"""One training run, start to end: recipe + shards -> run folder with checkpoints and logs.

:func:`train` wires the parts (data, model, optimiser, loop, checkpoints, logs) and returns a
:class:`TrainSummary`; it prints nothing besides an optional tqdm bar. The run folder holds
``recipe.yaml`` (resolved), ``checkpoints/iter-XXXXXX.pt`` + ``latest.pt``, ``metrics.jsonl``,
``tensorboard/`` and ``loss.png``; only rank 0 writes them. ``resume=True`` continues from
``checkpoints/latest.pt`` with the checkpoint's recipe (only ``train.iterations``,
``train.checkpoint_every``, ``train.log_every`` and ``data.num_workers`` may change), its model,
optimiser, scheduler, sampler and RNG states, so the losses match a run that never stopped.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from heatgait.config import ModelConfig, Recipe, recipe_from_dict, recipe_to_dict, save_recipe
from heatgait.data.shardset import ShardSet
from heatgait.data.splits import load_split
from heatgait.errors import HeatgaitError, UsageError
from heatgait.losses import GaitHeatLoss
from heatgait.models import create_model
from heatgait.models.factory import VARIANTS
from heatgait.training import checkpoint as ckpt
from heatgait.training import distributed
from heatgait.training.data import make_loader, select_training
from heatgait.training.loop import Optimisation, Precision, StepResult, run_loop
from heatgait.training.runlog import RunLog, plot_loss_curve

RESUMABLE_CHANGES = (("train", "iterations"), ("train", "checkpoint_every"),
                     ("train", "log_every"), ("data", "num_workers"))


@dataclass
class TrainSummary:
    """What a finished run reports (the CLI prints it)."""

    run_dir: Path
    start_iteration: int
    iterations: int
    final_loss: float
    terms: dict[str, float]
    seconds: float
    sequences_per_second: float
    checkpoint: Path | None
    curve: Path | None
    num_classes: int
    num_sequences: int
    missing_subjects: list[str]
    device: str
    world_size: int


def build_model(config: ModelConfig, num_classes: int) -> torch.nn.Module:
    """The recipe's model: values left at ModelConfig's defaults yield to the variant's own."""
    defaults = ModelConfig()
    variant = VARIANTS.get(config.name, {})
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(ModelConfig):
        if field.name == "name":
            continue
        value = getattr(config, field.name)
        if field.name in variant and value == getattr(defaults, field.name):
            continue
        kwargs[field.name] = tuple(value) if field.name == "channels" else value
    return create_model(config.name, num_classes, **kwargs)


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _resume_recipe(given: Recipe, saved: dict[str, Any]) -> Recipe:
    recipe = recipe_from_dict(saved, "checkpoint")
    recipe.source = given.source  # relative split paths resolve next to the recipe given now
    for section, key in RESUMABLE_CHANGES:
        setattr(getattr(recipe, section), key, getattr(getattr(given, section), key))
    return recipe


def train(recipe: Recipe, data: Sequence[str | Path], out_dir: str | Path, *,
          resume: bool = False, device: str = "auto", progress: bool = True) -> TrainSummary:
    """Trains the recipe's model on the training subjects found in ``data`` (shard paths)."""
    run_dir = Path(out_dir)
    folder = run_dir / ckpt.CHECKPOINT_DIR
    found = sorted(folder.glob("*.pt")) if folder.is_dir() else []
    if resume and not found:
        raise UsageError(f"--resume: {run_dir} holds no checkpoint in {ckpt.CHECKPOINT_DIR}/; "
                         "drop --resume to start a new run there")
    if not resume and found:
        raise UsageError(f"{run_dir} already holds a run; add --resume to continue it or give "
                         "another --out")
    ctx = distributed.setup(device)
    try:
        resume_from = ckpt.find_checkpoint(folder) if resume else None
        return _train(recipe, data, run_dir, resume_from, ctx, progress)
    finally:
        distributed.teardown(ctx)


def _train(recipe: Recipe, data: Sequence[str | Path], run_dir: Path, resume_from: Path | None,
           ctx: distributed.DistContext, progress: bool) -> TrainSummary:
    state = None
    if resume_from is not None:
        state = ckpt.load_checkpoint(resume_from, variant=recipe.model.name)
        recipe = _resume_recipe(recipe, state["recipe"])
    cfg, dcfg = recipe.train, recipe.data
    shards = ShardSet(list(data))
    split_path = recipe.resolve(dcfg.split)
    train_set = select_training(shards, split_path, state["label_map"] if state else None)
    missing = sorted(set(load_split(split_path).train) - set(train_set.label_map))
    num_classes = len(train_set.label_map)
    if num_classes < dcfg.batch_p:
        raise HeatgaitError(f"data.batch_p={dcfg.batch_p} identities per batch, but the shards "
                            f"hold only {num_classes} training subjects; lower data.batch_p "
                            "(--set data.batch_p=N) or add data")

    _seed_everything(cfg.seed)
    model = build_model(recipe.model, num_classes).to(ctx.device)
    if state is not None:
        model.load_state_dict(state["model"])
    model = distributed.wrap_model(model, ctx, cfg.sync_bn)
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum,
                                weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=list(cfg.milestones),
                                                     gamma=cfg.lr_gamma)
    precision = Precision.for_device(ctx.device, cfg.amp)
    start = 0
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        if precision.scaler is not None and state.get("scaler"):
            precision.scaler.load_state_dict(state["scaler"])
        start = int(state["iteration"])
    loss_fn = GaitHeatLoss(cfg.triplet_margin, cfg.ce_scale, cfg.label_smoothing)
    opt = Optimisation(model, loss_fn, optimizer, scheduler, precision)

    loader, batches = make_loader(
        train_set, p=dcfg.batch_p, k=dcfg.batch_k, frames=dcfg.frames_per_sequence,
        normalize=dcfg.normalize, seed=cfg.seed, rank=ctx.rank, world_size=ctx.world_size,
        start=start, end=cfg.iterations, num_workers=dcfg.num_workers,
        pin_memory=ctx.device.type == "cuda", sampler_state=state["sampler"] if state else None)
    iterator = iter(loader)  # workers start before the RNG restore, so they don't shift it
    # The training stream (PGHA's random alignment) is per rank; a resume restores it exactly.
    torch.manual_seed(cfg.seed * 1000 + 1 + ctx.rank)
    if state is not None:
        ranks = state["extra"].get("rng_ranks", [])
        same_world = state["extra"].get("world_size") == ctx.world_size
        ckpt.restore_rng(ranks[ctx.rank] if same_world else state["rng"])

    saved_recipe = recipe_to_dict(recipe)
    if ctx.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        save_recipe(recipe, run_dir / "recipe.yaml")
    log = RunLog(run_dir, start) if ctx.is_main else None
    bar = _progress_bar(progress and ctx.is_main, start, cfg.iterations)
    per_step = dcfg.batch_p * dcfg.batch_k  # the global batch, over all ranks
    last: dict[str, Any] = {"result": None, "checkpoint": None, "time": time.perf_counter()}
    rates: list[float] = []

    def save(iteration: int) -> None:
        if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
            raise HeatgaitError(
                f"training stopped at iteration {iteration}: the weights are no longer finite; "
                "the last checkpoint is the last good state; lower train.lr")
        rng_ranks = _gather(ctx, ckpt.capture_rng())
        result = last["result"]
        labels = _gather(ctx, result.labels if result is not None else [])
        if not ctx.is_main:
            return
        payload = ckpt.make_checkpoint(
            model=model, optimizer=optimizer, scheduler=scheduler,
            sampler_state=batches.state_at(iteration), scaler=precision.scaler,
            iteration=iteration, recipe=saved_recipe, label_map=train_set.label_map,
            variant=recipe.model.name, dataset=dcfg.dataset, code=dcfg.code,
            extra={"rng_ranks": rng_ranks, "world_size": ctx.world_size,
                   "last_batch_labels": labels})
        last["checkpoint"] = ckpt.save_run_checkpoint(payload, run_dir)

    def on_step(result: StepResult) -> None:
        now = time.perf_counter()
        rate = per_step / max(now - last["time"], 1e-9)  # data wait included
        last["result"], last["time"] = result, now
        rates.append(rate)
        i = result.iteration
        if log is not None and (i % cfg.log_every == 0 or i == start + 1 or i == cfg.iterations):
            log.log(i, {"loss": result.loss, "lr": result.lr, "sequences_per_s": rate,
                        **{k: v for k, v in result.terms.items() if k != "total"}})
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{result.loss:.3f}", lr=f"{result.lr:.2g}",
                            seq_s=f"{rate:.1f}", refresh=False)
        if i % cfg.checkpoint_every == 0 or i == cfg.iterations:
            save(i)

    started = last["time"] = time.perf_counter()
    try:
        end = run_loop(opt, iterator, ctx, start, cfg.iterations, on_step)
    finally:
        if bar is not None:
            bar.close()
        if log is not None:
            log.close()
        del iterator
    seconds = time.perf_counter() - started
    if start >= cfg.iterations:
        save(start)  # nothing left to run: the checkpoint still marks the end
    curve = plot_loss_curve(run_dir) if ctx.is_main else None
    result: StepResult | None = last["result"]
    tail = rates[len(rates) // 5:] or rates  # skip warm-up steps
    return TrainSummary(
        run_dir=run_dir, start_iteration=start, iterations=end,
        final_loss=result.loss if result else float("nan"),
        terms=dict(result.terms) if result else {}, seconds=seconds,
        sequences_per_second=float(np.median(tail)) if tail else 0.0,
        checkpoint=last["checkpoint"], curve=curve, num_classes=num_classes,
        num_sequences=len(train_set.indices), missing_subjects=missing,
        device=str(ctx.device), world_size=ctx.world_size)


def _gather(ctx: distributed.DistContext, own: Any) -> list[Any]:
    """A value from every rank (RNG states, last batch labels), in rank order."""
    if not ctx.distributed:
        return [own]
    gathered: list[Any] = [None] * ctx.world_size
    torch.distributed.all_gather_object(gathered, own)
    return gathered


def _progress_bar(enabled: bool, start: int, total: int) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=start, desc="train", unit="it", dynamic_ncols=True)
