"""The optimisation loop: batches in, parameter updates, logged terms and checkpoints out.

Everything is built elsewhere (heatgait.training.run) and handed in; this module only steps.
One step: forward under autocast on CUDA (bf16, or fp16 with a GradScaler), the GaitHeat loss,
backward, one read of the device (the loss terms and a check that the loss is finite on every
rank: a non-finite loss stops the run with a HeatgaitError before the update, so the last
checkpoint stays the last good state), SGD step, LR schedule step.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import torch

from heatgait.data.model_input import StoredHeatmaps, to_model_input
from heatgait.errors import HeatgaitError
from heatgait.training.distributed import DistContext, all_reduce_sum


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
               iteration: int, ctx: DistContext,
               label_list: list[int] | None = None) -> StepResult:
    """One update from a batch; ``iteration`` is the number of updates done before it.

    The step reads the device once (the ``.tolist()`` below): a not-finite flag and the logged
    terms travel in one tensor, summed over ranks by one all-reduce, so the CPU never waits on
    the GPU elsewhere in the step (fp16's GradScaler adds its own check of the gradients).
    The read comes after the backward pass and before the update: a non-finite loss on any rank
    stops every rank with the weights untouched. ``label_list`` is the batch's labels as the
    loader gave them (host memory), so provenance costs no read of the device.
    """
    started = time.perf_counter()
    opt.model.train()
    with opt.precision.autocast(ctx.device):
        outputs = opt.model(heatmaps)  # branches of [n, D, P] embeddings and [n, C, P] logits
    loss, terms = opt.loss_fn(outputs, labels)
    opt.optimizer.zero_grad(set_to_none=True)
    scaler = opt.precision.scaler
    if scaler is not None:
        scaler.scale(loss).backward()
    else:
        loss.backward()
    not_finite = (~torch.isfinite(loss.detach())).float()
    summed = all_reduce_sum(torch.stack([not_finite, *(v.float() for v in terms.values())]), ctx)
    values = summed.tolist()  # the step's one host-device synchronisation
    means = {name: value / ctx.world_size for name, value in zip(terms, values[1:])}
    mean_loss = means.get("total", float("nan"))
    if values[0] > 0:
        opt.optimizer.zero_grad(set_to_none=True)
        raise HeatgaitError(
            f"training stopped at iteration {iteration + 1}: the loss is not finite "
            f"({mean_loss}); the last checkpoint is the last good state; lower "
            "train.lr or check the data with `heatgait check`")
    if scaler is not None:
        scaler.step(opt.optimizer)
        scaler.update()
    else:
        opt.optimizer.step()
    lr = opt.optimizer.param_groups[0]["lr"]
    opt.scheduler.step()
    if label_list is None:
        label_list = labels.tolist()
    return StepResult(iteration=iteration + 1, loss=mean_loss, terms=means, lr=lr,
                      seconds=time.perf_counter() - started, labels=label_list)


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
        scaling = batch.scaling.to(device, non_blocking=non_blocking)  # [n, 4]
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
        host_labels = batch.label if isinstance(batch, StoredHeatmaps) else batch[1]
        heatmaps, labels = batch_to_device(batch, ctx.device)
        result = train_step(opt, heatmaps, labels, iteration, ctx, host_labels.tolist())
        iteration = result.iteration
        on_step(result)
    return iteration
