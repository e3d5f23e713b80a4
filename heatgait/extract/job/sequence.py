"""One sequence through stage 1: decode -> detect -> track -> RGB crop -> pose -> frame filter.

Frames are decoded ahead in a background thread and handled in chunks of ``batch_size``
(``accel.batch_sizes``; 0 sizes the pose batch from free GPU memory): detection runs a chunk
ahead in a second thread (``overlap``), and the detector sees a chunk at once and returns its
final person boxes (score threshold and NMS are its own last step, ``boxes.filter_people``), the
tracker assigns every box to a walker, every box is cropped in RGB space (geometry.crop_people)
and the crops go through the pose model in batches. Only the raw heatmaps of each track are kept
(float16 while buffering), never the frames, so memory grows with the number of tracked
person-frames, not with the video. At the end each walker becomes a :class:`SequenceRecord` (the
longest one only, for one-subject data sets), its frames with mean keypoint score below
``min_frame_score`` dropped and counted in ``meta``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from heatgait.config import ExtractConfig
from heatgait.data.records import SequenceRecord
from heatgait.extract.detection.detectors import PersonDetector
from heatgait.extract.detection.overlap import DetectAhead, detect_inline, limit_frames
from heatgait.extract.job.inputs import SequenceSource
from heatgait.extract.job.video import read_chunks
from heatgait.extract.pose.accel import batch_sizes
from heatgait.extract.pose.backends import PoseBackend
from heatgait.extract.pose.crop import crop_people
from heatgait.extract.tracking.tracker import Tracker


@dataclass
class _TrackBuffer:
    frames: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)  # each [4]
    heatmaps: list[np.ndarray] = field(default_factory=list)  # each [17, 64, 48] float16
    keypoints: list[np.ndarray] = field(default_factory=list)  # each [17, 3]


@dataclass
class SequenceResult:
    """What one source gave: its records, or why it gave none."""

    source: SequenceSource
    records: list[SequenceRecord]
    frames_total: int
    frames_kept: int
    frames_dropped: int
    reason: str = ""  # why no record was made (empty sequence)

    @property
    def status(self) -> str:
        return "ok" if self.records else "empty"


def run_pose(pose: PoseBackend, crops: np.ndarray, batch_size: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """crops [n, 256, 192, 3] -> heatmaps [n, 17, 64, 48], keypoints [n, 17, 3] in batches."""
    heatmaps, keypoints = [], []
    for start in range(0, len(crops), batch_size):
        hm, kp = pose(crops[start:start + batch_size])
        heatmaps.append(np.asarray(hm, dtype=np.float32))
        keypoints.append(np.asarray(kp, dtype=np.float32))
    return np.concatenate(heatmaps), np.concatenate(keypoints)


def extract_sequence(source: SequenceSource, detector: PersonDetector, pose: PoseBackend,
                     cfg: ExtractConfig, *, multi_person: bool = False, dataset: str = "",
                     on_frames: Callable[[int], None] | None = None,
                     overlap: bool = True) -> SequenceResult:
    """Runs stage 1 on one source; raises VideoError when it cannot be decoded.

    ``overlap`` runs detection a chunk ahead in a thread (``overlap.DetectAhead``); the
    records are the same either way.
    """
    tracker = Tracker()
    buffers: dict[int, _TrackBuffer] = {}
    frames_total = 0
    pose_batch, chunk = batch_sizes(cfg.batch_size, pose)
    chunks = limit_frames(read_chunks(source.path, source.kind, chunk=chunk), cfg.max_frames)
    stream = DetectAhead(chunks, detector) if overlap else detect_inline(chunks, detector)
    with closing(stream):  # an early stop ends the detection and decoding threads
        for indices, frames, detections in stream:
            frames_total += len(frames)
            owners: list[tuple[int, int, np.ndarray]] = []  # (track id, frame, box [5])
            for local, (index, boxes) in enumerate(zip(indices, detections)):
                boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 5)  # final: NMS done
                for track_id, box in zip(tracker.update(int(index), boxes), boxes):
                    owners.append((track_id, local, box))
            if owners:
                crops = crop_people([frames[local] for _, local, _ in owners],
                                    np.stack([box[:4] for _, _, box in owners]), cfg.padding,
                                    pose.input_size)  # [n, 256, 192, 3]
                heatmaps, keypoints = run_pose(pose, crops, pose_batch)
                for (track_id, local, box), hm, kp in zip(owners, heatmaps, keypoints):
                    buf = buffers.setdefault(track_id, _TrackBuffer())
                    buf.frames.append(int(indices[local]))
                    buf.boxes.append(box[:4].astype(np.float32))
                    buf.heatmaps.append(np.clip(hm, 0.0, 1.0).astype(np.float16))
                    buf.keypoints.append(kp)
            if on_frames is not None:
                on_frames(len(frames))
    return _to_records(source, buffers, frames_total, cfg, multi_person, dataset,
                       pose_name=pose.name, detector_name=detector.name)


def _to_records(source: SequenceSource, buffers: dict[int, _TrackBuffer], frames_total: int,
                cfg: ExtractConfig, multi_person: bool, dataset: str, *, pose_name: str,
                detector_name: str) -> SequenceResult:
    def result(records: list[SequenceRecord], kept: int, dropped: int, reason: str = ""
               ) -> SequenceResult:
        return SequenceResult(source, records, frames_total, kept, dropped, reason)

    if not buffers:
        return result([], 0, 0, f"no person detected in {frames_total} frames")
    order = sorted(buffers, key=lambda t: (buffers[t].frames[0], t))
    if not multi_person:
        order = [max(order, key=lambda t: len(buffers[t].frames))]  # first longest
    tracks = [t for t in order if len(buffers[t].frames) >= cfg.min_track_frames]
    if not tracks:
        longest = max(len(buffers[t].frames) for t in order)
        return result([], 0, 0, f"longest track has {longest} frames < min_track_frames "
                                f"{cfg.min_track_frames}")
    records: list[SequenceRecord] = []
    kept_total = dropped_total = 0
    for number, track_id in enumerate(tracks):
        buf = buffers[track_id]
        keypoints = np.stack(buf.keypoints)  # [t, 17, 3]
        scores = keypoints[..., 2].mean(axis=1)  # [t]
        keep = scores >= cfg.min_frame_score
        dropped = int((~keep).sum())
        dropped_total += dropped
        kept_total += int(keep.sum())
        if not keep.any():
            continue
        meta: dict[str, Any] = {
            "pose_model": pose_name, "detector": detector_name,
            "det_score_thr": cfg.det_score_thr, "det_nms_thr": cfg.det_nms_thr,
            "padding": cfg.padding, "min_frame_score": cfg.min_frame_score,
            "min_track_frames": cfg.min_track_frames, "frames_total": frames_total,
            "frames_tracked": len(buf.frames), "frames_dropped": dropped,
            "source_kind": source.kind,
        }
        records.append(SequenceRecord(
            subject=source.subject, type=source.type, view=source.view,
            heatmaps=np.stack(buf.heatmaps)[keep].astype(np.float32),  # [T, 17, 64, 48]
            keypoints=keypoints[keep],
            boxes=np.stack(buf.boxes)[keep],
            frame_indices=np.asarray(buf.frames, dtype=np.int64)[keep],
            frame_scores=scores[keep].astype(np.float32),
            dataset=dataset, source=str(source.path),
            track=number if multi_person else None, meta=meta))
    reason = "" if records else (f"all {dropped_total} tracked frames below min_frame_score "
                                 f"{cfg.min_frame_score}")
    return result(records, kept_total, dropped_total, reason)
