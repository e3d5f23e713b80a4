"""Write walkers' image keypoints in each public format, as the tools and releases do.

Used by the reader tests (on BlazePose keypoints of vtest.avi), the learning test (on the
synthetic generator's keypoints) and benchmarks/bench_import_keypoints.py. A walker is
(subject, type, view, keypoints [T, 17, 3] in image pixels, frame numbers [T]).
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np

Walker = tuple[str, str, str, np.ndarray, np.ndarray]
# COCO-17 joint of each OpenPose COCO-18 joint (the neck, 1, is made from the shoulders)
COCO17_OF_COCO18 = [0, -1, 6, 8, 10, 5, 7, 9, 12, 14, 16, 11, 13, 15, 2, 1, 4, 3]
IMAGE_HW = (576, 768)


def to_coco18(kp: np.ndarray) -> np.ndarray:
    """[T, 17, 3] -> [T, 18, 3]: OpenPose order, the neck as the shoulders' midpoint."""
    out = np.zeros((len(kp), 18, 3), dtype=np.float64)
    for j18, j17 in enumerate(COCO17_OF_COCO18):
        if j17 >= 0:
            out[:, j18] = kp[:, j17]
    out[:, 1, :2] = (kp[:, 5, :2] + kp[:, 6, :2]) / 2
    out[:, 1, 2] = np.minimum(kp[:, 5, 2], kp[:, 6, 2])
    return out


def _numbers(values: np.ndarray) -> str:
    return ",".join(repr(float(v)) for v in np.asarray(values).reshape(-1))


def write_pickles(root: Path, walkers: list[Walker], joints: int = 17) -> Path:
    """<id>/<type>/<view>/<view>.pkl: [T, 17, 3], [T, 18, 3] (joints=18) or [T, 53] (53)."""
    for subject, type_, view, kp, _ in walkers:
        array = kp.astype(np.float64)
        if joints == 18:
            array = to_coco18(kp)
        elif joints == 53:
            lead = np.tile(np.array(IMAGE_HW, np.float64), (len(kp), 1))
            array = np.concatenate([lead, array.reshape(len(kp), -1)], 1)
        folder = root / subject / type_ / view
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{view}.pkl").write_bytes(pickle.dumps(array))
    return root


def write_openpose(root: Path, walkers: list[Walker]) -> Path:
    """OU-MVLP-Pose: <id>/<view>_<seq>/<frame:04d>_keypoints.json, COCO-18, plus one empty
    frame per walker (nobody detected) that the reader must skip."""
    for subject, type_, view, kp, frames in walkers:
        folder = root / subject / f"{view}_{type_}"
        folder.mkdir(parents=True, exist_ok=True)
        for row, frame in zip(to_coco18(kp), frames):
            people = [{"person_id": [-1], "pose_keypoints_2d": row.reshape(-1).tolist()}]
            (folder / f"{frame:04d}_keypoints.json").write_text(
                json.dumps({"version": 1.3, "people": people}))
        (folder / f"{frames.max() + 1:04d}_keypoints.json").write_text('{"people": []}')
    return root


def write_text(root: Path, walkers: list[Walker], style: str) -> Path:
    """GREW train/<id>/<seq>/<n:05d>_2d_pose.txt or Gait3D <id>/<cam>/<seq>/human_crop_f<n>.txt
    (frame numbers unpadded in Gait3D, so text order is not frame order)."""
    for subject, type_, view, kp, frames in walkers:
        if style == "grew":
            folder, names = root / "train" / subject / view, [f"{f:05d}_2d_pose.txt" for f in frames]
        else:
            folder, names = root / subject / type_ / view, [f"human_crop_f{f}.txt" for f in frames]
        write_text_frames(folder, kp, names)
    return root


def write_text_frames(folder: Path, kp: np.ndarray, names: list[str]) -> None:
    """One GREW / Gait3D text file per frame: image h, w, then 17 x (x, y, score)."""
    folder.mkdir(parents=True, exist_ok=True)
    for row, name in zip(kp, names):
        (folder / name).write_text(_numbers(np.concatenate([IMAGE_HW, row.reshape(-1)])) + "\n")


def write_alphapose(path: Path, walkers: list[Walker], tracked: bool = True) -> Path:
    """alphapose-results.json of one video: entries by image, ``idx`` = track (or all 0)."""
    entries = []
    for track, (_, _, _, kp, frames) in enumerate(walkers):
        for row, frame in zip(kp, frames):
            entries.append({"image_id": f"{frame}.jpg", "category_id": 1,
                            "keypoints": row.reshape(-1).tolist(), "score": 2.5,
                            "box": [0, 0, 1, 1], "idx": [track if tracked else 0]})
    entries.sort(key=lambda e: int(e["image_id"].split(".")[0]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries))
    return path


def write_coco(path: Path, walkers: list[Walker]) -> Path:
    """COCO keypoint detection results of one video (no track ids)."""
    entries = [{"image_id": int(frame), "category_id": 1, "keypoints": row.reshape(-1).tolist(),
                "score": 0.9} for _, _, _, kp, frames in walkers for row, frame in zip(kp, frames)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sorted(entries, key=lambda e: e["image_id"])))
    return path


def write_mmpose(path: Path, walkers: list[Walker]) -> Path:
    """mmpose inferencer predictions of a video: [{"frame_id", "instances": [...]}]."""
    by_frame: dict[int, list[dict]] = {}
    for _, _, _, kp, frames in walkers:
        for row, frame in zip(kp, frames):
            by_frame.setdefault(int(frame), []).append(
                {"keypoints": row[:, :2].tolist(), "keypoint_scores": row[:, 2].tolist(),
                 "bbox": [[0.0, 0.0, 1.0, 1.0]], "bbox_score": 0.9})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([{"frame_id": f, "instances": by_frame[f]}
                                for f in sorted(by_frame)]))
    return path
