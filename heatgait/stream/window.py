"""One live track's sliding window: its latest frames, their features, its embedding.

A stored sequence is embedded as ``head(max over frames of encode(normalise(frame)))``
(heatgait.stream.encoder). A window keeps, for each of its frames (at most ``size``, the
oldest dropped first):

- the heatmaps as a shard would store them (the recipe's storage, e.g. uint8-sqrt: 52 KB a
  frame), with their stored minimum and maximum;
- the frame's fusion features, and the normalisation they were computed with.

The per-sequence min-max normalisation (``data.normalize``) is what stops a plain running max:
offline, every frame is divided by the span of the WHOLE sequence, which a growing window does
not know yet. Here the window is normalised as a stored sequence of exactly its frames would
be: its (low, span) come from the stored extremes of the frames it holds now (a min and a
max over per-frame values: cheap). A new frame is encoded at once with the window's
normalisation at that moment; when an embedding is asked for, every frame whose features were
computed with another (low, span) is encoded again (counted in ``reencoded``). So the
embedding of a window always equals the offline embedding of the same frames (up to float
rounding of batched convolutions). In practice the low is 0 (the pose maps are clipped at 0)
and the high moves only when a frame brighter than all kept ones arrives or the brightest one
leaves the window: rarely, once the first frames are in.

A max cannot be updated by removing a frame, so the max over the kept features is recomputed
for each embedding: ``size`` elementwise maxima, cheap next to encoding one frame.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import torch

from heatgait.data.model_input import stored_scaling
from heatgait.stream.encoder import FrameEncoder


@dataclass
class _Frame:
    stored: np.ndarray  # [17, 64, 48] as the shard stores it
    low: int | float  # stored extremes of this frame
    high: int | float
    index: int  # source frame index
    features: torch.Tensor | None = None  # [C, h', w'] fusion features
    scaling: tuple[float, ...] | None = None  # the (scale, low, span, squared) they used


class TrackWindow:
    """The latest ``size`` kept frames of one track (``size`` 0: every frame)."""

    def __init__(self, size: int, normalize: bool, storage: str) -> None:
        self.frames: deque[_Frame] = deque(maxlen=size or None)
        self.normalize = normalize
        self.storage = storage
        self.total = 0  # frames ever added
        self.reencoded = 0  # frames encoded again because the window's normalisation moved

    def __len__(self) -> int:
        return len(self.frames)

    def scaling(self) -> np.ndarray:
        """(scale, low, span, squared) [4] of the window as it is now (see the module doc)."""
        dtype = self.frames[0].stored.dtype
        extremes = np.array([min(f.low for f in self.frames), max(f.high for f in self.frames)],
                            dtype=dtype)
        return stored_scaling(extremes, self.normalize, self.storage)

    def add(self, stored: np.ndarray, index: int) -> _Frame:
        """Appends one stored frame [17, 64, 48]; returns it, to be encoded."""
        frame = _Frame(stored, stored.min().item(), stored.max().item(), index)
        self.frames.append(frame)
        self.total += 1
        return frame

    def embedding(self, encoder: FrameEncoder) -> np.ndarray:
        """The window's embedding [D, P]: stale frames encoded first, then max and head."""
        refresh(encoder, [self])
        pooled = torch.stack([f.features for f in self.frames]).amax(dim=0)  # [C, h', w']
        return encoder.embed(pooled[None])[0]


def refresh(encoder: FrameEncoder, windows: list[TrackWindow], only_new: bool = False
            ) -> int:
    """Encodes, in one batch, the frames of ``windows`` whose features are missing or were
    made with another normalisation (``only_new``: only those never encoded). Returns how
    many frames it encoded."""
    todo: list[tuple[_Frame, tuple[float, ...]]] = []
    for window in windows:
        now = tuple(window.scaling().tolist())
        for frame in window.frames:
            if frame.scaling == now or (only_new and frame.features is not None):
                continue
            if frame.features is not None:
                window.reencoded += 1
            todo.append((frame, now))
    if not todo:
        return 0
    stored = np.stack([f.stored for f, _ in todo])  # [n, 17, 64, 48]
    scaling = np.asarray([s for _, s in todo], dtype=np.float32)  # [n, 4]
    features = encoder.encode(stored, scaling)  # [n, C, h', w']
    for (frame, now), feat in zip(todo, features):
        frame.features, frame.scaling = feat, now
    return len(todo)
