"""Follow people across frames so that a sequence never jumps from one walker to another.

The reference extraction kept the first detection of every frame, which switches identity
whenever detection order changes. Here detections are linked frame to frame by IoU with each
track's constant-velocity prediction (so two walkers crossing keep their identities), falling
back on centre distance relative to box height for fast or small people. A track ends after
``max_gap`` frames without a match. The tracker itself keeps every track, however short:
``Tracker.tracks(min_frames)`` and ``track_people`` leave out those with fewer than
``min_frames`` frames when asked. Stage 1 does not use that filter: it applies the recipe's
``extract.min_track_frames`` in ``extract.sequence``, counting the frames a walker was tracked
in (before frames under ``min_frame_score`` are dropped, so a written sequence can hold fewer).
For one-person data sets only the longest track is kept, and it must pass the same bar.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from heatgait.extract.boxes import box_iou


@dataclass
class Track:
    """One followed person: the frames it was seen in and its boxes there."""

    id: int
    frames: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)  # each [5]: x1, y1, x2, y2, score
    history: int = 4

    def height(self) -> float:
        """Median box height over the recent observations (robust to one odd detection)."""
        recent = np.stack(self.boxes[-(self.history + 1):])
        return float(max(np.median(recent[:, 3] - recent[:, 1]), 1.0))

    def predict(self, frame: int) -> np.ndarray:
        """Box [4] expected at ``frame``: constant velocity over the last ``history``
        observations (averaging damps detector jitter)."""
        last = self.boxes[-1][:4]
        k = min(len(self.boxes), self.history + 1)
        if k < 2:
            return last
        step = (last - self.boxes[-k][:4]) / max(self.frames[-1] - self.frames[-k], 1)
        return last + step * (frame - self.frames[-1])


class Tracker:
    """Online multi-person tracker; feed per-frame boxes in frame order."""

    def __init__(self, min_iou: float = 0.2, max_center_dist: float = 0.5, max_gap: int = 5,
                 max_scale_change: float = 1.5):
        self.min_iou = min_iou
        self.max_scale_change = max_scale_change  # allowed height ratio frame to frame
        self.max_center_dist = max_center_dist  # in box heights
        self.max_gap = max_gap
        self.active: list[Track] = []
        self.finished: list[Track] = []
        self._next_id = 0

    def update(self, frame: int, boxes: np.ndarray) -> list[int]:
        """Associates this frame's boxes [n, 5] with the live tracks -> the track id of each box.

        Unmatched boxes start new tracks (ids count up from 0 in order of creation).
        """
        self.finished += [t for t in self.active if frame - t.frames[-1] > self.max_gap]
        self.active = [t for t in self.active if frame - t.frames[-1] <= self.max_gap]
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 5)
        pairs: list[tuple[float, int, int]] = []
        if self.active and len(boxes):
            predicted = np.stack([t.predict(frame) for t in self.active])  # [k, 4]
            iou = box_iou(predicted, boxes)  # [k, n]
            pc = (predicted[:, None, :2] + predicted[:, None, 2:4]) * 0.5
            bc = (boxes[None, :, :2] + boxes[None, :, 2:4]) * 0.5
            height = np.maximum(predicted[:, None, 3] - predicted[:, None, 1], 1.0)
            dist = np.linalg.norm(pc - bc, axis=-1) / height  # [k, n]
            det_h = np.maximum(boxes[None, :, 3] - boxes[None, :, 1], 1.0)
            ref_h = np.array([t.height() for t in self.active])[:, None]  # [k, 1]
            similar = np.abs(np.log(det_h / ref_h)) <= np.log(self.max_scale_change)
            # IoU decides; centre distance breaks in only where boxes do not overlap enough;
            # a box of a very different height is someone else (or a false detection).
            score = np.where(iou >= self.min_iou, 1.0 + iou,
                             np.where(dist <= self.max_center_dist, 1.0 - dist, -1.0))
            score = np.where(similar, score, -1.0)
            pairs = sorted(((float(score[i, j]), i, j) for i in range(score.shape[0])
                            for j in range(score.shape[1]) if score[i, j] > 0), reverse=True)
        used_t: set[int] = set()
        used_b: set[int] = set()
        ids = [-1] * len(boxes)
        for _, i, j in pairs:
            if i in used_t or j in used_b:
                continue
            used_t.add(i)
            used_b.add(j)
            self.active[i].frames.append(frame)
            self.active[i].boxes.append(boxes[j])
            ids[j] = self.active[i].id
        for j in range(len(boxes)):
            if j not in used_b:
                self.active.append(Track(self._next_id, [frame], [boxes[j]]))
                ids[j] = self._next_id
                self._next_id += 1
        return ids

    def tracks(self, min_frames: int = 1) -> list[Track]:
        """All tracks with >= min_frames frames, renumbered 0.. in order of first appearance."""
        kept = sorted((t for t in self.finished + self.active if len(t.frames) >= min_frames),
                      key=lambda t: (t.frames[0], t.id))
        return [Track(i, t.frames, t.boxes) for i, t in enumerate(kept)]


def track_people(per_frame: list[np.ndarray], frame_indices: list[int] | np.ndarray,
                 min_frames: int = 1, max_gap: int = 5) -> list[Track]:
    """Convenience: tracks over a whole sequence of per-frame boxes [n_i, 5]."""
    tracker = Tracker(max_gap=max_gap)
    for frame, boxes in zip(frame_indices, per_frame):
        tracker.update(int(frame), boxes)
    return tracker.tracks(min_frames)
