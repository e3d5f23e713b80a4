"""Stage 1 on one live frame: detect -> track -> RGB crop -> pose -> frame filter -> stored maps.

The same parts and rules as ``heatgait.extract.job.sequence`` (which works a whole sequence in
chunks): the recipe's detector and pose model, ``Tracker`` over the frame indices of the source,
the 1.25-padded crop, heatmaps clipped to [0, 1], frames whose mean keypoint score is below
``min_frame_score`` left out of the track's sequence, and the heatmaps put in the shard's
storage (``encode_heatmaps``), so a window holds what a shard of the same frames would.

Frames the stream skipped are gaps in the indices: the tracker's motion model uses the real
indices, and its gap limits (``max_gap``, ``max_hidden_gap``, in frames, tuned at about 10
frames/s) are stretched by the current step between processed frames, so that a walker is not
dropped only because the processing is slower than the source.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from heatgait.config import ExtractConfig
from heatgait.data.schema import encode_heatmaps
from heatgait.extract.detection.detectors import PersonDetector
from heatgait.extract.pose.backends import PoseBackend
from heatgait.extract.pose.crop import crop_people
from heatgait.extract.tracking.tracker import Track, Tracker

KEEP_OBSERVATIONS = 64  # per live track in the tracker (Tracker.prune)
WALK_HEIGHTS_PER_S = 0.8  # a walker's pace in body heights a second (1.4 m/s, 1.7 m tall)


@dataclass
class Person:
    """One tracked walker in one frame."""

    track: int
    box: np.ndarray  # [5] x1, y1, x2, y2, score
    score: float  # mean keypoint score
    stored: np.ndarray | None  # [17, 64, 48] in the shard's storage; None: under the filter


@dataclass
class FrameStage:
    """Detector, pose model and tracker of one stream, with the time each took."""

    detector: PersonDetector
    pose: PoseBackend
    cfg: ExtractConfig
    fps: float = 10.0  # of the source: the step between processed frames in seconds
    tracker: Tracker = field(default_factory=Tracker)
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    _last: int | None = None
    _step: float = 1.0

    def __post_init__(self) -> None:
        self._gaps = (self.tracker.max_gap, self.tracker.max_hidden_gap,
                      self.tracker.max_center_dist)

    def _stretch_gaps(self, index: int) -> None:
        if self._last is not None:
            self._step = 0.8 * self._step + 0.2 * max(1, index - self._last)
        self._last = index
        scale = max(1.0, self._step)
        self.tracker.max_gap = int(np.ceil(self._gaps[0] * scale))
        self.tracker.max_hidden_gap = int(np.ceil(self._gaps[1] * scale))
        self.tracker.max_center_dist = max(self._gaps[2], WALK_HEIGHTS_PER_S * self._step / self.fps)

    def __call__(self, index: int, image: np.ndarray) -> list[Person]:
        """The walkers of frame ``index`` (RGB uint8 [H, W, 3])."""
        start = time.perf_counter()
        boxes = np.asarray(self.detector([image])[0], dtype=np.float32).reshape(-1, 5)
        self.seconds["detect"] += time.perf_counter() - start
        self._stretch_gaps(index)
        ids = self.tracker.update(index, boxes)
        if not len(boxes):
            return []
        start = time.perf_counter()
        crops = crop_people([image] * len(boxes), boxes[:, :4], self.cfg.padding,
                            self.pose.input_size)  # [n, 256, 192, 3]
        heatmaps, keypoints = self.pose(crops)  # [n, 17, 64, 48], [n, 17, 3]
        self.seconds["pose"] += time.perf_counter() - start
        people = []
        for track, box, hm, kp in zip(ids, boxes, heatmaps, keypoints):
            score = float(np.asarray(kp)[:, 2].mean())
            # float16 first, as stage 1 buffers them, so the stored values are the same
            clipped = np.clip(np.asarray(hm, np.float32), 0.0, 1.0).astype(np.float16)
            stored = (encode_heatmaps(clipped.astype(np.float32), self.cfg.storage)
                      if score >= self.cfg.min_frame_score else None)
            people.append(Person(track, box, score, stored))
        return people

    def warm_up(self, size: tuple[int, int] = (480, 640)) -> None:
        """One pass of both models on a black frame (their first call allocates and plans),
        outside the tracker, so that the stream's first frames are not slowed by it."""
        self.detector([np.zeros((*size, 3), np.uint8)])
        self.pose(np.zeros((1, *self.pose.input_size, 3), np.uint8))

    def ended(self) -> list[Track]:
        """Tracks the tracker has given up since the last call (and forgets)."""
        return self.tracker.prune(KEEP_OBSERVATIONS)

    def live(self) -> list[int]:
        return [t.id for t in self.tracker.active]
