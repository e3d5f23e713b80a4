"""How the pose model runs on a device: its precision and its batch size.

``extract.precision`` picks the floating-point type of the pose forward pass. ``auto`` is fp16
autocast for an mmpose model on CUDA (tensor cores; heatmaps differ from fp32 by far less than
their quantisation to uint8 in the shards) and fp32 on the CPU. The offline BlazePose model
(LiteRT) has a fixed precision, so an explicit fp16/bf16 is refused for it rather than ignored.

``extract.batch_size: 0`` asks for a batch size from free device memory: the pose backend
measures one small forward pass and :func:`batch_from_memory` divides what is free by it.
"""

from __future__ import annotations

from typing import Any, get_args

from heatgait.config.schema import PosePrecision
from heatgait.config.stage1 import POSE_MODELS
from heatgait.errors import UsageError

PRECISIONS: tuple[str, ...] = get_args(PosePrecision)  # the recipe's choices, in its order
DEFAULT_BATCH = 16  # crops per pose pass and frames per chunk when nothing else says
MAX_AUTO_CHUNK = 64  # frames per detector chunk under batch_size 0 (the detector is not probed)


def resolve_precision(precision: str, device_type: str) -> str:
    """``auto`` -> fp16 on CUDA, fp32 elsewhere; an explicit choice is checked, then kept."""
    if precision not in PRECISIONS:
        raise UsageError(f"unknown --precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    if precision == "auto":
        return "fp16" if device_type == "cuda" else "fp32"
    if precision != "fp32" and not autocast_works(device_type, precision):
        raise UsageError(f"--precision {precision}: torch here has no {precision} autocast on "
                         f"{device_type}; use --precision fp32 (or auto)")
    return precision


def torch_dtype(precision: str) -> Any:
    """The torch dtype of a resolved precision (fp32, fp16, bf16)."""
    import torch

    return {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[precision]


def autocast_works(device_type: str, precision: str) -> bool:
    """Whether a convolution under ``torch.autocast(device_type, dtype)`` really runs in it."""
    import torch

    dtype = torch_dtype(precision)
    if device_type == "cuda" and precision == "bf16":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    try:
        conv = torch.nn.Conv2d(3, 4, 3).to(device_type)
        with torch.inference_mode(), torch.autocast(device_type, dtype=dtype):
            out = conv(torch.zeros(1, 3, 8, 8, device=device_type))
    except (RuntimeError, AssertionError):  # "autocast ... only supports ..." / no CUDA build
        return False
    return out.dtype == dtype


def refuse_fixed_precision(precision: str, pose: str) -> None:
    """A pose model that cannot change precision (LiteRT) accepts only auto and fp32."""
    fixed = pose in POSE_MODELS and POSE_MODELS[pose].stack == "litert"
    if fixed and precision in ("fp16", "bf16"):
        raise UsageError(f"--precision {precision}: --pose {pose} (LiteRT) runs at its own fixed "
                         "precision; use --precision auto, or an mmpose model such as --pose "
                         "hrnet")


def batch_from_memory(free_bytes: int, bytes_per_crop: float, headroom: float = 0.25,
                      lo: int = 1, hi: int = 512, multiple: int = 8) -> int:
    """Crops per pose pass that fit in ``free_bytes`` with a ``headroom`` share kept free.

    Rounded down to a ``multiple`` (tensor-core friendly) when at least one multiple fits,
    then clamped to [lo, hi]; a non-positive per-crop cost (nothing measured) gives ``hi``.
    """
    if bytes_per_crop <= 0:
        return hi
    fits = int(max(free_bytes, 0) * (1.0 - headroom) // bytes_per_crop)
    if fits >= multiple:
        fits -= fits % multiple
    return max(lo, min(hi, fits))


def batch_sizes(batch_size: int, pose: Any) -> tuple[int, int]:
    """(crops per pose pass, frames per chunk) for ``extract.batch_size``.

    N > 0: N for both. 0: the pose backend's ``auto_batch()`` (from free memory on CUDA,
    :data:`DEFAULT_BATCH` where it has none), frames per chunk the same up to
    :data:`MAX_AUTO_CHUNK`.
    """
    if batch_size < 0:
        raise UsageError(f"--batch-size {batch_size}: give a positive number, or 0 for a batch "
                         "size from free GPU memory")
    if batch_size > 0:
        return batch_size, batch_size
    auto = getattr(pose, "auto_batch", None)
    crops = int(auto()) if callable(auto) else DEFAULT_BATCH
    return crops, min(crops, MAX_AUTO_CHUNK)
