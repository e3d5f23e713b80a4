"""Follow people across frames so that a sequence never jumps from one walker to another.

The reference extraction kept the first detection of every frame, which switches identity
whenever detection order changes. Here each track predicts its box (a straight-line fit of
its recent centres, its usual size) and detections are linked to predictions by IoU and
centre distance, with what the BlazePose detector does to overlapping walkers in mind: it
often sees only the nearer of two (the box goes to the track whose feet are lower in the
image), gives one box over two people or a second box on part of one (nested boxes become
one-frame tracks; odd-sized boxes do not steer the motion), and loses a person behind
another for a second or two (such tracks wait ``max_hidden_gap`` frames, not ``max_gap``).

Why this tracker and not ByteTrack: on the same detections (``benchmarks/bench_tracking.py``,
numbers in benchmarks/README.md) it switched identity 32 times in 120 synthetic scenes
(crossings, occlusions, merged boxes, jitter, misses) against 92 for ByteTrack of roboflow's
``trackers`` 2.6.1 at its defaults (72 tuned to this detector) and 144 for this module's
previous IoU tracker; tracks that took over another person: 15 against 53 (52) and 59. On
three hand-annotated crossings of vtest.avi: 1 switch and 2 take-overs (all at one frame
where one box covers two people, see tests/extract/test_vtest_crossings.py) against 5 and 8
for ByteTrack and 9 and 6 before. ByteTrack is faster (0.85 against 2.6 ms a frame, both
small beside the detector's ~500 ms) but would add supervision, PyAV and a second OpenCV
package to the install. The defaults were chosen on the synthetic scenes and the vtest
windows; they suit walkers at about 10 frames/s.

The tracker keeps every track, however short: ``Tracker.tracks(min_frames)`` and
``track_people`` leave out those with fewer than ``min_frames`` frames when asked. Stage 1 does
not use that filter: it applies the recipe's ``extract.min_track_frames`` in
``extract.sequence``, counting the frames a walker was tracked in (before frames under
``min_frame_score`` are dropped, so a written sequence can hold fewer). For one-person data sets
only the longest track is kept, and it must pass the same bar.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from heatgait.extract.detection.boxes import box_iou


@dataclass
class Track:
    """One followed person: the frames it was seen in and its boxes there."""

    id: int
    frames: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)  # each [5]: x1, y1, x2, y2, score
    history: int = 8
    # per observation: True when the box overlapped nobody else (see Tracker.clear_iou)
    clear: list[bool] = field(default_factory=list)
    hidden: bool = False  # lost while behind another person: waits max_hidden_gap

    def height(self) -> float:
        """Median box height over the recent observations (robust to one odd detection)."""
        recent = np.stack(self.boxes[-(self.history + 1):])
        return float(max(np.median(recent[:, 3] - recent[:, 1]), 1.0))

    def add(self, frame: int, box: np.ndarray, clear: bool) -> None:
        self.frames.append(frame)
        self.boxes.append(box)
        self.clear.append(clear)
        self.hidden = False

    def predict(self, frame: int, max_blind: int = 12) -> np.ndarray:
        """Box [4] expected at ``frame``: the centre moves along a straight line fitted to the
        last ``history`` clear observations (a least-squares fit damps detector jitter); the
        size is the median of the recent boxes (walkers do not grow or shrink in a second,
        and extrapolating a size trend makes boxes swell while a person is missed).

        Boxes taken while overlapping someone else may belong to them, so the motion is fitted
        to the observations from before the overlap, unless the overlap has lasted
        ``max_blind`` frames (people walking together), when all observations count.
        """
        used = [i for i, c in enumerate(self.clear) if c]
        if len(used) < 2 or self.frames[-1] - self.frames[used[-1]] > max_blind:
            used = list(range(len(self.boxes)))
        used = used[-self.history:]
        t = np.array([self.frames[i] for i in used], dtype=np.float64)  # [k]
        b = np.stack([self.boxes[i][:4] for i in used])  # [k, 4]
        centre = (b[:, :2] + b[:, 2:]) * 0.5  # [k, 2]
        if len(used) >= 2 and t[-1] > t[0]:
            slope, intercept = np.polyfit(t - t[-1], centre, 1)  # each [2]
            centre_now = intercept + slope * (frame - t[-1])
        else:
            centre_now = centre[-1]
        recent = np.stack(self.boxes[-(self.history + 1):])[:, :4]
        half = 0.5 * np.median(recent[:, 2:] - recent[:, :2], axis=0)  # [2]: w/2, h/2
        return np.concatenate([centre_now - half, centre_now + half])


class Tracker:
    """Online multi-person tracker; feed per-frame boxes in frame order.

    Each detection is compared with each track's predicted box: cost (1 - IoU) + centre
    distance (in box heights), allowed where the IoU reaches ``min_iou`` or the centres lie
    within ``max_center_dist`` heights, and only for a box of plausible height (at most
    ``max_scale_change`` times shorter, ``max_growth`` times taller) that shares at least
    ``min_row_overlap`` of its rows with the prediction. Pairs are taken greedily, cheapest
    first, established tracks (seen at least ``established`` times) before young ones, so a
    track just born from a stray box cannot take a walker's box. See :meth:`_assign` for
    boxes two tracks could claim and :meth:`_duplicates` for second detections of one
    person. A track ends after ``max_gap`` frames without a match, or ``max_hidden_gap`` if
    it was lost where another person stands (probably behind them).
    """

    def __init__(self, min_iou: float = 0.2, max_center_dist: float = 0.25, max_gap: int = 5,
                 max_scale_change: float = 1.5, max_hidden_gap: int = 20,
                 clear_iou: float = 0.05, clear_scale: float = 1.15, established: int = 3,
                 ambiguity: float = 0.3, duplicate_share: float = 0.7, max_growth: float = 2.0,
                 min_row_overlap: float = 0.65):
        self.min_iou = min_iou
        self.max_center_dist = max_center_dist  # in box heights
        self.max_scale_change = max_scale_change  # allowed height ratio, shorter boxes
        self.max_growth = max_growth  # allowed height ratio, taller boxes
        self.min_row_overlap = min_row_overlap
        self.max_gap = max_gap
        self.max_hidden_gap = max_hidden_gap
        # an observation steers the motion only if it overlaps nobody else (IoU below
        # clear_iou) and its height is within clear_scale of the track's
        self.clear_iou = clear_iou
        self.clear_scale = clear_scale
        self.established = established
        self.ambiguity = ambiguity  # cost margin under which a box fits two tracks alike
        self.duplicate_share = duplicate_share  # nested share making a box a duplicate
        self.active: list[Track] = []
        self.finished: list[Track] = []
        self._next_id = 0

    def _expired(self, track: Track, frame: int) -> bool:
        gap = frame - track.frames[-1]
        return gap > (self.max_hidden_gap if track.hidden else self.max_gap)

    def _cost(self, predicted: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Matching cost [k, n] of tracks' predicted boxes [k, 4] and detections [n, 5];
        inf where a pair is not allowed."""
        iou = box_iou(predicted, boxes)  # [k, n]
        pc = (predicted[:, None, :2] + predicted[:, None, 2:4]) * 0.5
        bc = (boxes[None, :, :2] + boxes[None, :, 2:4]) * 0.5
        height = np.array([t.height() for t in self.active])[:, None]  # [k, 1]
        dist = np.linalg.norm(pc - bc, axis=-1) / height  # [k, n]
        det_h = np.maximum(boxes[None, :, 3] - boxes[None, :, 1], 1.0)
        # a box may grow more than shrink: one box over this person and a neighbour is still
        # where the person is (it keeps the track; see clear_scale), a much smaller one is not
        similar = (det_h / height <= self.max_growth) & (height / det_h <= self.max_scale_change)
        # rows shared by the predicted and the detected box (1-D IoU of [y1, y2]): head and
        # feet stay at about the height the track expects, while a neighbour nearer to or
        # farther from the camera stands higher or lower
        top = np.maximum(predicted[:, None, 1], boxes[None, :, 1])
        bottom = np.minimum(predicted[:, None, 3], boxes[None, :, 3])
        span = np.maximum(predicted[:, None, 3], boxes[None, :, 3]) - \
            np.minimum(predicted[:, None, 1], boxes[None, :, 1])
        rows = np.clip(bottom - top, 0, None) / np.maximum(span, 1e-9)  # [k, n]
        similar &= rows >= self.min_row_overlap
        allowed = similar & ((iou >= self.min_iou) | (dist <= self.max_center_dist))
        return np.where(allowed, 1.0 - iou + dist, np.inf)

    def _assign(self, cost: np.ndarray, predicted: np.ndarray, boxes: np.ndarray
                ) -> tuple[list[tuple[int, int]], set[int]]:
        """(track, box) pairs, cheapest first, established tracks before young ones; and the
        boxes found to be second detections of a person an established track just took.

        Greedy on purpose: an optimal assignment maximises the number of pairs, and so gives
        a track whose person the detector missed the box of the person next to it.
        Where two people overlap the detector often sees only the one in front, and the box
        fits both tracks about equally (costs within ``ambiguity``); it then goes to the track
        whose predicted feet are lowest in the image: with the camera above a ground plane
        that person is nearer, and hides the other, who coasts on their motion.
        """
        cost = cost.copy()
        mature = np.array([len(t.frames) >= self.established for t in self.active])
        for j in range(cost.shape[1]):
            rows = np.flatnonzero(mature & np.isfinite(cost[:, j]))
            if len(rows) < 2:
                continue
            close = rows[cost[rows, j] - cost[rows, j].min() < self.ambiguity]
            if len(close) >= 2:
                front = close[np.argmax(predicted[close, 3])]
                cost[np.setdiff1d(close, [front]), j] = np.inf
        pairs = self._greedy(cost, mature, set())
        duplicate = self._duplicates(boxes, [j for _, j in pairs])
        pairs += self._greedy(cost, ~mature, duplicate | {j for _, j in pairs})
        return pairs, duplicate

    @staticmethod
    def _greedy(cost: np.ndarray, rows: np.ndarray, taken: set[int]) -> list[tuple[int, int]]:
        """Pairs of the tracks ``rows`` (a mask) with boxes not ``taken``, cheapest first."""
        order = sorted((float(cost[i, j]), int(i), int(j)) for i, j in
                       zip(*np.nonzero(np.isfinite(cost) & rows[:, None])) if j not in taken)
        pairs: list[tuple[int, int]] = []
        used_t: set[int] = set()
        used_b = set(taken)
        for _, i, j in order:
            if i not in used_t and j not in used_b:
                pairs.append((i, j))
                used_t.add(i)
                used_b.add(j)
        return pairs

    def _duplicates(self, boxes: np.ndarray, held: list[int]) -> set[int]:
        """Boxes nested with a ``held`` box or a better-scoring new one (the smaller of the
        two mostly inside the other): a second detection of that person (a tiled detector
        sees a body part in one tile and the whole body in another) or one box over them
        and a neighbour. They get a one-frame track that is never continued, so they cannot
        grow into a parallel track nor later take the person's place."""
        b = boxes[:, :4]
        area = np.prod(b[:, 2:] - b[:, :2], axis=-1)  # [n]
        lo = np.maximum(b[:, None, :2], b[None, :, :2])
        hi = np.minimum(b[:, None, 2:], b[None, :, 2:])
        inter = np.prod(np.clip(hi - lo, 0, None), axis=-1)  # [n, n]
        nested = inter / np.maximum(np.minimum(area[:, None], area[None, :]), 1e-9) \
            >= self.duplicate_share
        keep = list(held)
        duplicate: set[int] = set()
        for j in sorted(set(range(len(boxes))) - set(held), key=lambda j: -boxes[j, 4]):
            if nested[j, keep].any():
                duplicate.add(j)
            else:
                keep.append(j)
        return duplicate

    def update(self, frame: int, boxes: np.ndarray) -> list[int]:
        """Associates this frame's boxes [n, 5] with the live tracks -> the track id of each box.

        Unmatched boxes start new tracks (ids count up from 0 in order of creation).
        """
        self.finished += [t for t in self.active if self._expired(t, frame)]
        self.active = [t for t in self.active if not self._expired(t, frame)]
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 5)
        predicted = np.array([t.predict(frame) for t in self.active]).reshape(-1, 4)  # [k, 4]
        pairs, duplicate = self._assign(self._cost(predicted, boxes), predicted, boxes) \
            if len(predicted) and len(boxes) else ([], set())
        duplicate |= self._duplicates(boxes, [j for _, j in pairs])  # among the new boxes
        # A box is clear when it overlaps neither another box nor another track's prediction.
        overlap_boxes = box_iou(boxes, boxes) - np.eye(len(boxes))  # [n, n]
        overlap_tracks = box_iou(boxes, predicted)  # [n, k]
        owner = {j: i for i, j in pairs}
        ids = [-1] * len(boxes)
        born: list[Track] = []
        for j in range(len(boxes)):
            others = [i for i in range(len(predicted)) if i != owner.get(j)]
            clear = max([0.0, *overlap_boxes[j], *overlap_tracks[j, others]]) < self.clear_iou
            if j in owner:
                track = self.active[owner[j]]
                # a box much taller or shorter than the person's usual one (half the body
                # seen, or someone else taken in) is kept but does not steer the motion
                ratio = (boxes[j, 3] - boxes[j, 1]) / track.height()
                clear = clear and 1.0 / self.clear_scale <= ratio <= self.clear_scale
            else:
                track = Track(self._next_id)
                self._next_id += 1
                (self.finished if j in duplicate else born).append(track)
            track.add(frame, boxes[j], clear)
            ids[j] = track.id
        matched = set(owner.values())
        for i, track in enumerate(self.active):
            if i not in matched and len(boxes):  # lost where someone is: maybe behind them
                track.hidden = track.hidden or bool(overlap_tracks[:, i].max() > self.clear_iou)
        self.active += born
        return ids

    def prune(self, keep: int = 64) -> list[Track]:
        """For endless input (a live stream): hands back the finished tracks and forgets them,
        and keeps only the latest ``keep`` observations of each live one. Matching reads the
        last ``history + 1`` boxes and the latest clear observations of a track, so with
        ``keep`` well above ``history`` only a track that overlapped others in nearly all of
        its last ``keep`` frames can be predicted otherwise."""
        ended, self.finished = self.finished, []
        for track in self.active:
            if len(track.frames) > keep:
                del track.frames[:-keep], track.boxes[:-keep], track.clear[:-keep]
        return ended

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
