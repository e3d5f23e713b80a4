"""The in-memory form of one extracted sequence, as stage 1 produces it and shards store it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from heatgait.data.schema import HEATMAP_SHAPE, NUM_JOINTS


@dataclass
class SequenceRecord:
    """One walking sequence: raw pose heatmaps of its kept frames plus side data.

    ``key`` ("subject/type/view", plus "/track-N" for one person of a multi-person video) is
    the identity of the sequence inside a shard folder: writers skip keys already written.
    """

    subject: str
    type: str
    view: str
    heatmaps: np.ndarray | None  # [T, 17, 64, 48] float in [0, 1] (the writer clips; NaN
    # refused); None only for a "keypoints"-storage shard, which draws them from keypoints
    keypoints: np.ndarray  # [T, 17, 3] x, y, score in heatmap pixels
    boxes: np.ndarray  # [T, 4] x1, y1, x2, y2 of the person in the source image
    frame_indices: np.ndarray  # [T] int, index of each kept frame in the source
    frame_scores: np.ndarray  # [T] float, mean keypoint score of each kept frame
    dataset: str = ""
    source: str = ""
    track: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        base = f"{self.subject}/{self.type}/{self.view}"
        return base if self.track is None else f"{base}/track-{self.track}"

    @property
    def num_frames(self) -> int:
        if self.heatmaps is None:
            return int(np.shape(self.keypoints)[0])
        return int(np.shape(self.heatmaps)[0]) if np.ndim(self.heatmaps) else 0

    def validate(self) -> None:
        """Raise ValueError naming the key when shapes disagree or heatmaps hold NaN."""
        t = self.num_frames
        for name, value in (("subject", self.subject), ("type", self.type), ("view", self.view)):
            if not value or "/" in str(value):
                raise ValueError(f"sequence {self.key}: {name} must be a non-empty name without '/'")
        expected = {
            "heatmaps": (t, *HEATMAP_SHAPE),
            "keypoints": (t, NUM_JOINTS, 3),
            "boxes": (t, 4),
            "frame_indices": (t,),
            "frame_scores": (t,),
        }
        if self.heatmaps is None:
            del expected["heatmaps"]
        for name, shape in expected.items():
            got = tuple(np.shape(getattr(self, name)))
            if got != shape:
                raise ValueError(f"sequence {self.key}: {name} has shape {got}, expected {shape}")
        if self.heatmaps is not None and np.isnan(np.asarray(self.heatmaps, np.float32)).any():
            raise ValueError(f"sequence {self.key}: heatmaps contain NaN; refusing to write it")
