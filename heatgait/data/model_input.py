"""Stored heatmaps -> the model's input, finished on the device (training and evaluation alike).

DataLoader workers ship heatmaps in the shards' own dtype (uint8, or float16: a quarter or a
half of float32's bytes to copy through shared memory, to pin and to send to a GPU) together
with four float32 numbers per sequence, ``scaling = (scale, low, span, squared)``, and
:func:`to_model_input` does the float conversion and the min-max normalisation (DESIGN 4)
where the model runs:

    d = float32(stored) * scale;  d = d * d if squared     # decoded, [0, 1]
    x = (d - low) / span                                    # [0, 1]

- ``scale`` and ``squared`` decode the storage (1/255 for uint8, then the square for
  "uint8-sqrt" shards; 1 for float16), as :func:`heatgait.data.schema.decode_heatmaps` does;
- normalised samples: ``low`` and ``span`` are the min and max - min of the decoded sample
  (its sampled frames in training, the whole sequence at test), computed in the worker from
  the stored extremes; a constant sample (span below 1e-6) has span 0 and becomes all zeros,
  as :func:`heatgait.data.dataset.min_max_normalize` makes it;
- un-normalised samples: low 0, span 1.

Every step is one correctly rounded float32 operation in the order the CPU path used
(decode, subtract, divide), so the model receives bit for bit what the float32 loader gave it,
on the CPU and on CUDA alike (PyTorch builds its kernels without fast-math).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from heatgait.data.schema import UINT8_SCALE, is_squared

CONSTANT_EPS = 1e-6  # a sample whose decoded max - min is below this is constant


class StoredHeatmaps(NamedTuple):
    """One training sample, or (collated) a batch: what a worker ships.

    The default collate keeps the type, so a batch is a StoredHeatmaps of stacked tensors.
    """

    heatmaps: torch.Tensor  # [t, 17, 64, 48] (batch: [n, t, 17, 64, 48]) uint8 or float16
    scaling: torch.Tensor  # [4] (batch: [n, 4]) float32: (scale, low, span, squared)
    label: int | torch.Tensor  # class, or the item for test sequences (batch: [n] int64)


class StoredSequences(NamedTuple):
    """A zero-padded batch of whole test sequences as stored."""

    heatmaps: torch.Tensor  # [n, t_max, 17, 64, 48] uint8 or float16, zero beyond lengths
    scaling: torch.Tensor  # [n, 4] float32
    lengths: torch.Tensor  # [n] int64: real frames of each sequence
    items: torch.Tensor  # [n] int64: positions in the dataset


def decode_scale(dtype: np.dtype) -> np.float32:
    """The float32 factor that decodes a storage dtype (decode_heatmaps' own constant)."""
    if np.dtype(dtype) == np.uint8:
        return np.float32(1.0 / UINT8_SCALE)
    return np.float32(1.0)


def stored_scaling(stored: np.ndarray, normalize: bool, storage: str | None = None
                   ) -> np.ndarray:
    """(scale, low, span, squared) [4] float32 of one sample (see the module docstring).

    ``storage``: the shard's storage name (None: decode by dtype). Only the stored extremes
    are decoded: decoding is monotone, so they decode to the extremes of the decoded sample,
    with the same float32 rounding.
    """
    scale = decode_scale(stored.dtype)
    squared = np.float32(is_squared(stored.dtype, storage))
    if not normalize or stored.size == 0:
        return np.array([scale, 0.0, 1.0, squared], dtype=np.float32)
    low = np.float32(stored.min()) * scale
    high = np.float32(stored.max()) * scale
    if squared:
        low, high = low * low, high * high
    span = float(high) - float(low)
    if span < CONSTANT_EPS:
        span = 0.0
    return np.array([scale, low, span, squared], dtype=np.float32)


def to_model_input(heatmaps: torch.Tensor, scaling: torch.Tensor,
                   lengths: torch.Tensor | None = None) -> torch.Tensor:
    """Stored heatmaps [n, t, 17, 64, 48] -> float32 normalised ones on the same device.

    ``scaling`` [n, 4] is (scale, low, span, squared) per sample ([n, 3]: none squared);
    ``lengths`` [n] (test batches) marks frames at and beyond a sequence's length as padding,
    which stays exactly zero. In-place passes over one new float32 tensor: cheap on a GPU;
    a batch with "uint8-sqrt" samples takes one more pass and a transient buffer of its size.
    """
    x = heatmaps.to(torch.float32)  # a new tensor: the input keeps its dtype
    scaling = scaling.to(device=x.device, dtype=torch.float32)
    shape = (-1,) + (1,) * (x.dim() - 1)
    scale, low, span = (scaling[:, i].view(shape) for i in range(3))  # [n, 1, 1, 1, 1] each
    keep = span > 0  # constant samples become zeros
    x.mul_(scale)
    if scaling.shape[1] > 3 and heatmaps.dtype == torch.uint8:
        # d * d for squared samples, d * 1 (exactly d) for the others: no host sync to ask
        # which samples they are; a float input never squares (stored_scaling gives it 0)
        squared = scaling[:, 3].view(shape) > 0
        x.mul_(torch.where(squared, x, torch.ones((), device=x.device)))
    x.sub_(low).div_(torch.where(keep, span, torch.ones_like(span)))
    if lengths is not None:
        frames = torch.arange(x.shape[1], device=x.device)
        real = frames[None, :] < lengths.to(x.device)[:, None]  # [n, t]
        keep = keep & real.view(*real.shape, *(1,) * (x.dim() - 2))
    return x.masked_fill_(~keep, 0.0)  # +0 exactly; no host sync (a GPU stays ahead)
