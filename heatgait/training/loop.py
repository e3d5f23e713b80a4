"""The optimisation loop: batches in, parameter updates, logged terms and checkpoints out.

Everything is built elsewhere (heatgait.training.run) and handed in; this module only steps.
One step: forward under autocast on CUDA (bf16, or fp16 with a GradScaler), the GaitHeat loss,
a check that the loss is finite on every rank (a non-finite loss stops the run with a
HeatgaitError before the update, so the last checkpoint stays the last good state), backward,
SGD step, LR schedule step.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import torch

from heatgait.data.model_input import StoredHeatmaps, to_model_input
from heatgait.errors import HeatgaitError
from heatgait.training.distributed import DistContext, all_reduce_mean, any_rank


@dataclass
class StepResult:
    """What one iteration reports (averaged over ranks for the loss)."""

    iteration: int  # number of updates done after this step
    loss: float
    terms: dict[str, float]
    lr: float
    seconds: float
    labels: list[int] = field(default_factory=list)  # this rank's batch (for provenance)


@dataclass
class Precision:
    """Autocast settings: ``dtype`` None means full float32."""

    dtype: torch.dtype | None = None
    scaler: Any | None = None  # torch.amp.GradScaler for float16

    @classmethod
    def for_device(cls, device: torch.device, amp: bool) -> Precision:
        if not amp or device.type != "cuda":
            return cls()
        if torch.cuda.is_bf16_supported():
            return cls(dtype=torch.bfloat16)
        return cls(dtype=torch.float16, scaler=torch.amp.GradScaler("cuda"))

    def autocast(self, device: torch.device) -> Any:
        if self.dtype is None:
            return nullcontext()
        return torch.autocast(device_type=device.type, dtype=self.dtype)


@dataclass
class Optimisation:
    model: torch.nn.Module
    loss_fn: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: Any
    precision: Precision = field(default_factory=Precision)


def train_step(opt: Optimisation, heatmaps: torch.Tensor, labels: torch.Tensor,
               iteration: int, ctx: DistContext) -> StepResult:
    """One update from a batch; ``iteration`` is the number of updates done before it."""
    started = time.perf_counter()
    opt.model.train()
    with opt.precision.autocast(ctx.device):
        outputs = opt.model(heatmaps)  # branches of [n, D, P] embeddings and [n, C, P] logits
    loss, terms = opt.loss_fn(outputs, labels)
    bad = not math.isfinite(float(loss.detach()))
    if any_rank(bad, ctx):
        raise HeatgaitError(
            f"training stopped at iteration {iteration + 1}: the loss is not finite "
            f"({float(loss.detach())}); the last checkpoint is the last good state; lower "
            "train.lr or check the data with `heatgait check`")
    opt.optimizer.zero_grad(set_to_none=True)
    scaler = opt.precision.scaler
    if scaler is not None:
        scaler.scale(loss).backward()
        scaler.step(opt.optimizer)
        scaler.update()
    else:
        loss.backward()
        opt.optimizer.step()
    lr = opt.optimizer.param_groups[0]["lr"]
    opt.scheduler.step()
    mean_loss = float(all_reduce_mean(loss.detach().float(), ctx))
    return StepResult(iteration=iteration + 1, loss=mean_loss, terms=terms, lr=lr,
                      seconds=time.perf_counter() - started, labels=labels.tolist())


def batch_to_device(batch: StoredHeatmaps | tuple[torch.Tensor, torch.Tensor],
                    device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """A loader batch -> (float32 model input [n, t, 17, 64, 48], labels [n]) on ``device``.

    Stored batches (uint8 / float16 + scaling, see heatgait.training.data.make_loader) are
    copied as stored and converted and normalised there by ``to_model_input``; a plain
    (heatmaps, labels) pair is only copied. The copies are asynchronous on CUDA (the loader
    pins its batches; later kernels on the same stream wait for them).
    """
    non_blocking = device.type == "cuda"
    if isinstance(batch, StoredHeatmaps):
        stored = batch.heatmaps.to(device, non_blocking=non_blocking)  # [n, t, 17, 64, 48]
        scaling = batch.scaling.to(device, non_blocking=non_blocking)  # [n, 3]
        heatmaps = to_model_input(stored, scaling)
        labels = batch.label
    else:
        heatmaps, labels = batch
        heatmaps = heatmaps.to(device, non_blocking=non_blocking)  # [n, t, 17, 64, 48]
    return heatmaps, labels.to(device, non_blocking=non_blocking)  # [n]


def run_loop(opt: Optimisation,
             batches: Iterable[StoredHeatmaps | tuple[torch.Tensor, torch.Tensor]],
             ctx: DistContext, start: int, end: int,
             on_step: Callable[[StepResult], None]) -> int:
    """Steps from iteration ``start`` to ``end`` over ``batches``; returns the last iteration.

    ``on_step`` runs after every update (logging, progress, checkpoints).
    """
    iteration = start
    for batch in batches:
        if iteration >= end:
            break
        heatmaps, labels = batch_to_device(batch, ctx.device)
        result = train_step(opt, heatmaps, labels, iteration, ctx)
        iteration = result.iteration
        on_step(result)
    return iteration
