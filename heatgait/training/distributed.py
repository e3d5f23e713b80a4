"""Process setup for training: one process without a launcher, DDP when torchrun says so.

torchrun sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` (read by ``heatgait.launch``); with a
world size above one the process group starts with NCCL on CUDA and gloo on the CPU. Only rank 0 writes
checkpoints and logs (:attr:`DistContext.is_main`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.distributed as dist

from heatgait.devices import resolve_device
from heatgait.launch import LaunchEnv, launch_env


@dataclass(frozen=True)
class DistContext(LaunchEnv):
    """Where this process runs (rank, world size, local rank, is_main: see ``LaunchEnv``) and on
    which device."""

    device: torch.device


def setup(device: str = "auto") -> DistContext:
    """Starts the process group when launched by torchrun; a plain context otherwise."""
    env = launch_env()
    torch_device = torch.device(resolve_device(device, env.local_rank))
    if env.distributed and not dist.is_initialized():
        if torch_device.type == "cuda":
            torch.cuda.set_device(torch_device)
        backend = "nccl" if torch_device.type == "cuda" else "gloo"
        dist.init_process_group(backend=backend, rank=env.rank, world_size=env.world_size)
    return DistContext(rank=env.rank, world_size=env.world_size, local_rank=env.local_rank,
                       device=torch_device)


def teardown(ctx: DistContext) -> None:
    if ctx.distributed and dist.is_initialized():
        dist.destroy_process_group()


def wrap_model(model: torch.nn.Module, ctx: DistContext, sync_bn: bool) -> torch.nn.Module:
    """DDP wrapper (SyncBatchNorm first on GPUs when asked); the model itself otherwise."""
    if not ctx.distributed:
        return model
    if sync_bn and ctx.device.type == "cuda":
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    device_ids = [ctx.device.index] if ctx.device.type == "cuda" else None
    # Unused-parameter search off: every branch feeds the loss.
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)


def all_reduce_sum(value: torch.Tensor, ctx: DistContext) -> torch.Tensor:
    """Sum of a tensor over ranks (the value itself in one process); no host read."""
    if not ctx.distributed:
        return value
    value = value.detach().clone()
    dist.all_reduce(value, op=dist.ReduceOp.SUM)
    return value


def barrier(ctx: DistContext) -> None:
    if ctx.distributed:
        dist.barrier()
