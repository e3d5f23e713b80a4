"""Score predicted person tracks against ground-truth tracks: identity switches and the like.

A gait sequence is one tracked walker, so a track that jumps from one person to another mixes
two people's gait into one sample. This module counts such errors the way the multi-object
tracking benchmarks do (CLEAR MOT, Bernardin & Stiefelhagen 2008, as in MOTChallenge):

- per frame, ground-truth boxes are matched to predicted boxes at IoU >= ``iou_thr``; a pair
  matched in the previous frame is kept while it still overlaps enough (so a switch is counted
  once, not every frame), the rest by an optimal assignment maximising IoU;
- **IDSW** (identity switch): a ground-truth walker matched to a different predicted id than
  the last one it was matched to;
- **Frag** (fragmentation): a ground-truth walker tracked again after frames in which it was
  visible (annotated) but not tracked. Frames where it is not annotated (fully hidden, or not
  sampled) do not interrupt it; MOTChallenge's TrackEval also counts those;
- **jumps**: the other side of a switch, a predicted track whose matched walker changes. One
  jump is what splices two people into one gait sequence;
- MOTA = 1 - (misses + false positives + IDSW) / ground-truth boxes.

Tracks are arrays ``[n, 6]`` of rows (frame, id, x1, y1, x2, y2), the MOT text format's
columns. Only frames that have ground truth are scored; where only some people of a frame are
annotated (hand-labelled real footage), ``count_false_positives=False`` stops unannotated
people from counting as false positives.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from heatgait.extract.detection.boxes import box_iou


@dataclass(frozen=True)
class TrackScore:
    """Counts over all scored frames (see the module docstring for the definitions)."""

    frames: int
    gt_boxes: int
    matches: int
    misses: int
    false_positives: int
    id_switches: int
    fragmentations: int
    jumps: int
    gt_ids: int
    pred_ids: int  # predicted ids matched to a walker at least once

    @property
    def mota(self) -> float:
        return 1.0 - (self.misses + self.false_positives + self.id_switches) / max(self.gt_boxes, 1)

    @property
    def recall(self) -> float:
        return self.matches / max(self.gt_boxes, 1)

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "mota": self.mota, "recall": self.recall}


def as_rows(tracks: np.ndarray | list) -> np.ndarray:
    """Rows [n, 6] (frame, id, x1, y1, x2, y2) as float64; accepts an empty list."""
    return np.asarray(tracks, dtype=np.float64).reshape(-1, 6)


def _assign(iou: np.ndarray, iou_thr: float, gt_ids: np.ndarray, pred_ids: np.ndarray,
            previous: dict[int, int]) -> list[tuple[int, int]]:
    """(gt index, pred index) pairs of one frame; last frame's pairs win ties by a bonus
    larger than any IoU, as CLEAR MOT asks."""
    if iou.size == 0:
        return []
    kept = np.array([[previous.get(int(g)) == int(p) for p in pred_ids] for g in gt_ids])
    score = np.where(iou >= iou_thr, iou + 2.0 * kept, 0.0)  # [g, p]
    rows, cols = linear_sum_assignment(score, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, cols) if score[r, c] > 0.0]


def score_tracks(gt: np.ndarray | list, pred: np.ndarray | list, iou_thr: float = 0.5,
                 count_false_positives: bool = True) -> TrackScore:
    """CLEAR-MOT counts of predicted tracks ``pred`` against ground truth ``gt`` (rows [n, 6]).

    Predictions in frames without ground truth are ignored.
    """
    gt, pred = as_rows(gt), as_rows(pred)
    frames = np.unique(gt[:, 0])
    previous: dict[int, int] = {}  # gt id -> pred id matched in the previous scored frame
    last_pred: dict[int, int] = {}  # gt id -> pred id it was last matched to (any frame)
    last_gt: dict[int, int] = {}  # pred id -> gt id it was last matched to
    was_tracked: dict[int, bool] = {}  # gt id -> matched at its previous annotated frame
    ever_tracked: set[int] = set()
    matched_pred_ids: set[int] = set()
    matches = misses = false_pos = switches = frags = jumps = 0
    for frame in frames:
        g = gt[gt[:, 0] == frame]
        p = pred[pred[:, 0] == frame]
        g_ids = g[:, 1].astype(np.int64)
        p_ids = p[:, 1].astype(np.int64)
        iou = box_iou(g[:, 2:6], p[:, 2:6]) if len(p) else np.zeros((len(g), 0))  # [g, p]
        pairs = _assign(iou, iou_thr, g_ids, p_ids, previous)
        current: dict[int, int] = {}
        for gi, pi in pairs:
            gid, pid = int(g_ids[gi]), int(p_ids[pi])
            current[gid] = pid
            if gid in last_pred and last_pred[gid] != pid:
                switches += 1
            if pid in last_gt and last_gt[pid] != gid:
                jumps += 1
            if gid in ever_tracked and not was_tracked.get(gid, False):
                frags += 1
            last_pred[gid], last_gt[pid] = pid, gid
            ever_tracked.add(gid)
            matched_pred_ids.add(pid)
        for gid in g_ids:
            was_tracked[int(gid)] = int(gid) in current
        matches += len(pairs)
        misses += len(g) - len(pairs)
        if count_false_positives:
            false_pos += len(p) - len(pairs)
        previous = current
    return TrackScore(frames=len(frames), gt_boxes=len(gt), matches=matches, misses=misses,
                      false_positives=false_pos, id_switches=switches, fragmentations=frags,
                      jumps=jumps, gt_ids=len(np.unique(gt[:, 1])),
                      pred_ids=len(matched_pred_ids))


def run_tracker(tracker, per_frame: list[np.ndarray], frame_indices: list[int] | np.ndarray,
                min_frames: int = 1) -> np.ndarray:
    """Feeds per-frame boxes [n_i, 5] to ``tracker.update(frame, boxes) -> ids`` (the
    extraction's contract) and returns its output as rows [n, 6].

    Boxes it leaves unassigned (id < 0) and tracks shorter than ``min_frames`` are left out,
    as the extraction (``min_track_frames``) never writes them as sequences.
    """
    rows = []
    for frame, boxes in zip(frame_indices, per_frame):
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 5)
        for track_id, box in zip(tracker.update(int(frame), boxes), boxes):
            if track_id >= 0:
                rows.append([frame, track_id, *box[:4]])
    rows = as_rows(rows)
    ids, counts = np.unique(rows[:, 1], return_counts=True)
    return rows[np.isin(rows[:, 1], ids[counts >= min_frames])]
