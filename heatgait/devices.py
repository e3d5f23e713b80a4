"""One rule for ``--device`` across extract, train and eval."""

from __future__ import annotations

from heatgait.errors import UsageError
from heatgait.launch import launch_env


def resolve_device(name: str, local_rank: int | None = None) -> str:
    """``auto`` -> this rank's GPU when CUDA is there, else ``cpu``; ``cuda`` -> this rank's GPU.

    ``cuda:N`` is kept as given. Asking for CUDA where there is none is a usage error.
    ``local_rank`` defaults to torchrun's ``LOCAL_RANK`` (``heatgait.launch``; 0 without one).
    """
    import torch

    if name not in ("auto", "cpu", "cuda") and not name.startswith("cuda:"):
        raise UsageError(f"--device {name!r}: use auto, cpu, cuda or cuda:N")
    if name == "cpu" or (name == "auto" and not torch.cuda.is_available()):
        return "cpu"
    if not torch.cuda.is_available():
        raise UsageError(f"--device {name}: no CUDA device is visible here; use --device cpu")
    if name.startswith("cuda:"):
        return name
    rank = launch_env().local_rank if local_rank is None else local_rank
    return f"cuda:{rank % torch.cuda.device_count()}"
