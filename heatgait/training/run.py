"""One training run, start to end: recipe + shards -> run folder with checkpoints and logs.

:func:`train` reads top-down as the steps of a run, each a function of its own: check the run
folder, start the processes, restore what a resume needs, select the training data, build the
network and its optimisation, open the loader, then step (``loop.run_loop``) while a
:class:`StepReporter` logs and a :class:`CheckpointWriter` saves. It returns a
:class:`TrainSummary` and prints nothing besides an optional tqdm bar.

The run folder holds ``recipe.yaml`` (resolved: model settings filled in), ``checkpoints/
iter-XXXXXX.pt`` + ``latest.pt``, ``metrics.jsonl``, ``tensorboard/`` and ``loss.png``; only
rank 0 writes them. ``resume=True`` continues from ``checkpoints/latest.pt`` with the
checkpoint's recipe (only ``train.iterations``, ``train.checkpoint_every``, ``train.log_every``
and ``data.num_workers`` may change), its model, optimiser, scheduler, sampler and RNG states,
so the losses match a run that never stopped.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from heatgait.config import Recipe, recipe_from_dict, recipe_to_dict, save_recipe
from heatgait.data.shardset import ShardSet
from heatgait.data.splits import load_split
from heatgait.errors import HeatgaitError, UsageError
from heatgait.models.factory import build_model, model_settings
from heatgait.models.losses import GaitHeatLoss
from heatgait.training import checkpoint as ckpt
from heatgait.training import distributed
from heatgait.training.data import TaggedBatches, TrainingSet, make_loader, select_training
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


def train(recipe: Recipe, data: Sequence[str | Path], out_dir: str | Path, *,
          resume: bool = False, device: str = "auto", progress: bool = True,
          warn: Callable[[str], None] | None = None) -> TrainSummary:
    """Trains the recipe's model on the training subjects found in ``data`` (shard paths);
    ``warn`` gets one line for each thing the user should know before it runs."""
    run_dir = Path(out_dir)
    resume_from = checkpoint_to_resume(run_dir, resume)
    ctx = distributed.setup(device)
    try:
        state = None
        if resume_from is not None:
            state = ckpt.load_checkpoint(resume_from, variant=recipe.model.name)
            recipe = resumed_recipe(recipe, state["recipe"])
        recipe.model = model_settings(recipe.model)  # what is built is what is saved
        train_set, missing = training_data(recipe, data, state)
        if train_set.dataset_warning and ctx.is_main and warn is not None:  # also kept in
            warn(train_set.dataset_warning)  # every checkpoint's extra
        model, opt, start = build_optimisation(recipe, len(train_set.label_map), ctx, state)
        iterator, batches = open_loader(recipe, train_set, ctx, start, state)
        if ctx.is_main:
            run_dir.mkdir(parents=True, exist_ok=True)
            save_recipe(recipe, run_dir / "recipe.yaml")
        writer = CheckpointWriter(run_dir, recipe, model, opt, batches, train_set, ctx)
        reporter = StepReporter(recipe, run_dir, ctx, start, writer, progress)
        started = reporter.begin()
        try:
            end = run_loop(opt, iterator, ctx, start, recipe.train.iterations, reporter.on_step)
        finally:
            reporter.close()
            del iterator
        seconds = time.perf_counter() - started
        if start >= recipe.train.iterations:
            writer.save(start, None)  # nothing left to run: the checkpoint still marks the end
        curve = plot_loss_curve(run_dir) if ctx.is_main else None
        return reporter.summary(end, seconds, writer.last_path, curve, train_set, missing)
    finally:
        distributed.teardown(ctx)


def checkpoint_to_resume(run_dir: Path, resume: bool) -> Path | None:
    """The checkpoint a resume starts from; refuses to start a new run over an old one."""
    folder = run_dir / ckpt.CHECKPOINT_DIR
    found = sorted(folder.glob("*.pt")) if folder.is_dir() else []
    if resume and not found:
        raise UsageError(f"--resume: {run_dir} holds no checkpoint in {ckpt.CHECKPOINT_DIR}/; "
                         "drop --resume to start a new run there")
    if not resume and found:
        raise UsageError(f"{run_dir} already holds a run; add --resume to continue it or give "
                         "another --out")
    return ckpt.find_checkpoint(folder) if resume else None


def resumed_recipe(given: Recipe, saved: dict[str, Any]) -> Recipe:
    """The checkpoint's recipe, with the few settings a resume may change taken from ``given``."""
    recipe = recipe_from_dict(saved, "checkpoint")
    recipe.source = given.source
    for section, key in RESUMABLE_CHANGES:
        setattr(getattr(recipe, section), key, getattr(getattr(given, section), key))
    return recipe


def training_data(recipe: Recipe, data: Sequence[str | Path], state: dict[str, Any] | None
                  ) -> tuple[TrainingSet, list[str]]:
    """The training sequences of the shards under the recipe's split, and the split's training
    subjects that the shards lack."""
    shards = ShardSet(list(data))
    split_file = recipe.split_file
    train_set = select_training(shards, split_file, state["label_map"] if state else None,
                                recipe.data.dataset)
    missing = sorted(set(load_split(split_file).train) - set(train_set.label_map))
    batch_p = recipe.data.batch_p
    if len(train_set.label_map) < batch_p:
        raise HeatgaitError(f"data.batch_p={batch_p} identities per batch, but the shards "
                            f"hold only {len(train_set.label_map)} training subjects; lower "
                            "data.batch_p (--set data.batch_p=N) or add data")
    return train_set, missing


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def build_optimisation(recipe: Recipe, num_classes: int, ctx: distributed.DistContext,
                       state: dict[str, Any] | None
                       ) -> tuple[torch.nn.Module, Optimisation, int]:
    """(model on its device, DDP-wrapped when distributed; optimisation; start iteration)."""
    cfg = recipe.train
    seed_everything(cfg.seed)
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
    return model, Optimisation(model, loss_fn, optimizer, scheduler, precision), start


def open_loader(recipe: Recipe, train_set: TrainingSet, ctx: distributed.DistContext,
                start: int, state: dict[str, Any] | None) -> tuple[Any, TaggedBatches]:
    """A started batch iterator for iterations ``start`` .. end, and its tagged batches.

    The workers start before the RNG restore, so they do not shift it; the training stream
    (PGHA's random alignment) is per rank, and a resume restores it exactly.
    """
    dcfg, seed = recipe.data, recipe.train.seed
    loader, batches = make_loader(
        train_set, p=dcfg.batch_p, k=dcfg.batch_k, frames=dcfg.frames_per_sequence,
        normalize=dcfg.normalize, seed=seed, rank=ctx.rank, world_size=ctx.world_size,
        start=start, end=recipe.train.iterations, num_workers=dcfg.num_workers,
        pin_memory=ctx.device.type == "cuda", sampler_state=state["sampler"] if state else None,
        heatmaps=dcfg.heatmaps)
    iterator = iter(loader)
    torch.manual_seed(seed * 1000 + 1 + ctx.rank)
    if state is not None:
        ranks = state["extra"].get("rng_ranks", [])
        same_world = state["extra"].get("world_size") == ctx.world_size
        ckpt.restore_rng(ranks[ctx.rank] if same_world else state["rng"])
    return iterator, batches


class CheckpointWriter:
    """Saves the run's state at an iteration (rank 0 writes; every rank joins the gathers)."""

    def __init__(self, run_dir: Path, recipe: Recipe, model: torch.nn.Module, opt: Optimisation,
                 batches: TaggedBatches, train_set: TrainingSet, ctx: distributed.DistContext):
        self.run_dir, self.recipe, self.model, self.opt = run_dir, recipe, model, opt
        self.batches, self.train_set, self.ctx = batches, train_set, ctx
        self.saved_recipe = recipe_to_dict(recipe)
        self.last_path: Path | None = None

    def save(self, iteration: int, result: StepResult | None) -> None:
        if not all(bool(torch.isfinite(p).all()) for p in self.model.parameters()):
            raise HeatgaitError(
                f"training stopped at iteration {iteration}: the weights are no longer finite; "
                "the last checkpoint is the last good state; lower train.lr")
        rng_ranks = _gather(self.ctx, ckpt.capture_rng())
        labels = _gather(self.ctx, result.labels if result is not None else [])
        if not self.ctx.is_main:
            return
        data = self.recipe.data
        payload = ckpt.make_checkpoint(
            model=self.model, optimizer=self.opt.optimizer, scheduler=self.opt.scheduler,
            sampler_state=self.batches.state_at(iteration), scaler=self.opt.precision.scaler,
            iteration=iteration, recipe=self.saved_recipe, label_map=self.train_set.label_map,
            variant=self.recipe.model.name, dataset=data.dataset, code=data.code,
            extra={"rng_ranks": rng_ranks, "world_size": self.ctx.world_size,
                   "last_batch_labels": labels, "shards_datasets": self.train_set.datasets,
                   "dataset_warning": self.train_set.dataset_warning})
        self.last_path = ckpt.save_run_checkpoint(payload, self.run_dir)


class StepReporter:
    """After every update: throughput, the metrics log, the progress bar, checkpoint cadence."""

    def __init__(self, recipe: Recipe, run_dir: Path, ctx: distributed.DistContext, start: int,
                 writer: CheckpointWriter, progress: bool):
        self.cfg, self.ctx, self.start, self.writer = recipe.train, ctx, start, writer
        self.per_step = recipe.data.batch_p * recipe.data.batch_k  # the global batch
        self.log = RunLog(run_dir, start) if ctx.is_main else None
        self.bar = _progress_bar(progress and ctx.is_main, start, self.cfg.iterations)
        self.last: StepResult | None = None
        self.rates: list[float] = []
        self._time = time.perf_counter()

    def begin(self) -> float:
        """Starts the clock of the first step; returns the start time."""
        self._time = time.perf_counter()
        return self._time

    def on_step(self, result: StepResult) -> None:
        now = time.perf_counter()
        rate = self.per_step / max(now - self._time, 1e-9)  # data wait included
        self.last, self._time = result, now
        self.rates.append(rate)
        i, cfg = result.iteration, self.cfg
        if self.log is not None and (i % cfg.log_every == 0 or i == self.start + 1
                                     or i == cfg.iterations):
            self.log.log(i, {"loss": result.loss, "lr": result.lr, "sequences_per_s": rate,
                             **{k: v for k, v in result.terms.items() if k != "total"}})
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{result.loss:.3f}", lr=f"{result.lr:.2g}",
                                 seq_s=f"{rate:.1f}", refresh=False)
        if i % cfg.checkpoint_every == 0 or i == cfg.iterations:
            self.writer.save(i, result)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.log is not None:
            self.log.close()

    def summary(self, end: int, seconds: float, checkpoint: Path | None, curve: Path | None,
                train_set: TrainingSet, missing: list[str]) -> TrainSummary:
        tail = self.rates[len(self.rates) // 5:] or self.rates  # skip warm-up steps
        last = self.last
        return TrainSummary(
            run_dir=self.writer.run_dir, start_iteration=self.start, iterations=end,
            final_loss=last.loss if last else float("nan"),
            terms=dict(last.terms) if last else {}, seconds=seconds,
            sequences_per_second=float(np.median(tail)) if tail else 0.0,
            checkpoint=checkpoint, curve=curve, num_classes=len(train_set.label_map),
            num_sequences=len(train_set.indices), missing_subjects=missing,
            device=str(self.ctx.device), world_size=self.ctx.world_size)


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
