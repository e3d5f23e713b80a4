"""Readers of whole-video result lists: AlphaPose, COCO keypoint results, mmpose predictions.

Each file holds every detected person of every frame of one video (or image folder):

- ``alphapose``: AlphaPose's ``alphapose-results.json``, a list of ``{"image_id": "<k>.jpg",
  "keypoints": [x, y, c] x 17, "score", "box", "idx"}``; ``idx`` is the track id with
  AlphaPose's tracking (0 for everyone without it, sometimes wrapped in lists);
- ``coco``: COCO keypoint detection results (a list of ``{"image_id": int, "keypoints", ...}``)
  or a COCO annotation file (``{"annotations": [...]}``, visibility v > 0 read as score 1);
- ``mmpose``: the inferencer's prediction JSON of a video, ``[{"frame_id": k, "instances":
  [{"keypoints": [[x, y]] x 17, "keypoint_scores": [...], "track_id"?}]}]``.

Frames are ordered by number (``image_id`` parsed as a number, not as text). Walkers: one per
track id where the file has real ones (distinct within every frame); otherwise heatgait's own
tracker (``extract.tracking``) follows the keypoints' boxes, as stage 1 follows detections.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from heatgait.errors import KeypointError
from heatgait.extract.keypoints.sequence import (
    KeypointSequence,
    Skipped,
    frame_number,
    nobody,
    to_coco17,
)
from heatgait.extract.pose.crop import keypoint_boxes
from heatgait.extract.tracking.tracker import Tracker

GENERIC_STEMS = ("alphapose-results", "results", "predictions", "keypoints")
Person = tuple[int, int | None, np.ndarray]  # frame, track id or None, keypoints [17, 3]


def _frame_of(image_id: Any) -> int:
    if isinstance(image_id, (int, float)):
        return int(image_id)
    return frame_number(str(image_id))


def _track_id(value: Any) -> int | None:
    while isinstance(value, list) and value:
        value = value[0]
    return None if value is None or isinstance(value, list) else int(value)


def _flat(values: Any, path: Path) -> np.ndarray:
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    if flat.size not in (17 * 3, 18 * 3):
        raise KeypointError(f"{path}: a person with {flat.size} keypoint numbers; write 17 x "
                            "(x, y, score) in COCO order (or 18 x 3, OpenPose COCO-18)")
    return to_coco17(flat.reshape(-1, 3))


def parse_people(data: Any, fmt: str, path: Path) -> list[Person]:
    """Every person entry of a loaded result file: (frame, track id, keypoints [17, 3])."""
    people: list[Person] = []
    if fmt == "mmpose":
        for frame in data:
            for inst in frame["instances"]:
                xy = np.asarray(inst["keypoints"], dtype=np.float64).reshape(-1, 2)
                score = np.asarray(inst["keypoint_scores"], dtype=np.float64).reshape(-1, 1)
                people.append((int(frame["frame_id"]), _track_id(inst.get("track_id")),
                               _flat(np.concatenate([xy, score], 1), path)))
        return people
    annotations = data["annotations"] if isinstance(data, dict) else data
    for entry in annotations:
        kp = _flat(entry["keypoints"], path)
        if isinstance(data, dict):  # ground truth: visibility flags, not scores
            kp[:, 2] = (kp[:, 2] > 0).astype(np.float64)
        track = _track_id(entry.get("idx")) if fmt == "alphapose" else None
        people.append((_frame_of(entry["image_id"]), track, kp))
    return people


def read_result_file(path: Path, fmt: str) -> list[Person]:
    """Load and parse one result file; a one-line KeypointError when it is not one."""
    try:
        data = json.loads(path.read_text())
        people = parse_people(data, fmt, path)
    except KeypointError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise KeypointError(f"{path}: not a {fmt} result file ({type(error).__name__}: "
                            f"{error}); see docs of `heatgait import --format`") from None
    if not people:
        raise KeypointError(f"{path}: holds no person (an empty list); export the results "
                            "again, or remove the file")
    return people


def _real_tracks(people: list[Person]) -> bool:
    """Whether the entries carry track ids that tell people in one frame apart."""
    seen: dict[int, set[int]] = defaultdict(set)
    for frame, track, _ in people:
        if track is None or track in seen[frame]:
            return False
        seen[frame].add(track)
    return len({track for _, track, _ in people}) > 1 or max(map(len, seen.values())) == 1


def assign_walkers(people: list[Person]) -> dict[int, list[tuple[int, np.ndarray]]]:
    """Track number (0.. by first appearance) -> its (frame, keypoints) in frame order."""
    people = sorted(people, key=lambda p: p[0])
    if not people:
        return {}
    walkers: dict[int, list[tuple[int, np.ndarray]]] = defaultdict(list)
    if _real_tracks(people):
        for frame, track, kp in people:
            walkers[int(track)].append((frame, kp))  # type: ignore[arg-type]
    else:
        tracker = Tracker()
        by_frame: dict[int, list[np.ndarray]] = defaultdict(list)
        for frame, _, kp in people:
            by_frame[frame].append(kp)
        for frame in sorted(by_frame):
            kps = by_frame[frame]
            boxes = keypoint_boxes(np.stack(kps))  # [n, 4]
            scores = np.array([kp[:, 2].mean() for kp in kps])
            ids = tracker.update(frame, np.concatenate([boxes, scores[:, None]], 1))
            for track, kp in zip(ids, kps):
                walkers[track].append((frame, kp))
    order = sorted(walkers, key=lambda t: (walkers[t][0][0], t))
    return {n: walkers[t] for n, t in enumerate(order)}


def result_labels(root: Path, path: Path) -> tuple[str, str, str]:
    """(subject, type, view) of a result file: its folder's ``<id>/<type>/<view>`` under
    root, else (the file's stem, or its folder's name for a generic stem, "seq", "000")."""
    parts = path.parent.relative_to(root).parts if path.parent != root else ()
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    stem = path.stem
    if stem in GENERIC_STEMS and path.parent != root:
        stem = path.parent.name
    elif stem in GENERIC_STEMS:
        stem = root.name
    return stem.replace("/", "_"), "seq", "000"


def read_results(root: Path, path: Path, fmt: str, skipped: Skipped) -> list[KeypointSequence]:
    """The walkers of one result file (problems counted in ``skipped``)."""
    try:
        people = read_result_file(path, fmt)
    except KeypointError as error:
        skipped.problem(str(error))
        return []
    kept = [p for p in people if not nobody(p[2])]
    skipped.add("person entries with no joint", len(people) - len(kept))
    subject, type_, view = result_labels(root, path)
    out = []
    for track, entries in assign_walkers(kept).items():
        frames = np.array([frame for frame, _ in entries], dtype=np.int64)
        keypoints = np.stack([kp for _, kp in entries]).astype(np.float32)
        out.append(KeypointSequence(subject, type_, view, keypoints, frames, str(path), fmt,
                                    track=track))
    return out
