"""Readers of the per-sequence and per-frame keypoint files of the public gait data sets.

- ``pkl``: one pickled array per ``<id>/<type>/<view>/`` folder: [T, 17, 3] (COCO-17),
  [T, 18, 3] (OpenPose COCO-18, OU-MVLP-Pose) or GREW's [T, 53] (image h, w, then 17 x 3);
- ``openpose``: one JSON per frame, ``people[i].pose_keypoints_2d`` (18 x 3; 0,0,0 = not
  detected); OU-MVLP-Pose's ``<id>/<view>_<seq>/<frame>_keypoints.json``;
- ``grew`` / ``gait3d``: one text file per frame, ``*_2d_pose.txt`` / ``human_crop_f<n>.txt``:
  two leading numbers (image h, w in GREW), then 17 x 3, comma separated.

Per-frame files are ordered by their frame number, and the first person of a frame is the
walker (what OpenGait, FastPoseGait and GaitGraph2 take). A frame with nobody is skipped and
counted; a missing joint keeps score 0. A file that does not parse raises a one-line
KeypointError naming it and the fix; ``read_folder`` turns those into ``Skipped`` problems so
the rest of the sequence, and of the import, goes on.

Unpickling runs code: only import pickles you trust.
"""

from __future__ import annotations

import json
import pickle
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from heatgait.errors import KeypointError
from heatgait.extract.keypoints.sequence import (
    KeypointSequence,
    Skipped,
    frame_number,
    nobody,
    to_coco17,
)

GREW_COLUMNS = 2 + 17 * 3  # image h, w, then 17 x (x, y, score)
PER_FRAME = {"openpose": "*.json", "grew": "*_2d_pose.txt", "gait3d": "human_crop_f*.txt"}
# top folders of a release that hold its tree (OU-MVLP-Pose's two pose sets, Gait3D's poses)
RELEASE_FOLDERS = ("openpose", "alphapose", "2D_Poses")
GREW_DISTRACTORS = ("distractor", "distractors")  # GREW's distractor set: no protocol uses it


def pose_array(value: object, path: Path) -> np.ndarray:
    """A loaded pose array -> [T, 17, 3] float32; KeypointError naming the file otherwise."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.zeros(0)
    if array.ndim == 2 and array.shape[1] == GREW_COLUMNS:
        array = array[:, 2:].reshape(-1, 17, 3)
    if array.ndim != 3 or array.shape[1] not in (17, 18) or array.shape[2] != 3:
        raise KeypointError(f"{path}: array of shape {array.shape}; a pose pickle holds "
                            "[T, 17, 3] or [T, 18, 3] (x, y, score) or GREW's [T, 53]: "
                            "re-export it in one of those shapes")
    return to_coco17(array).astype(np.float32)


def read_pickle(path: Path) -> np.ndarray:
    """One pose pickle -> [T, 17, 3] (before frames with nobody are dropped)."""
    try:
        with path.open("rb") as handle:
            value = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError,
            TypeError, IndexError) as error:
        raise KeypointError(f"{path}: cannot unpickle ({error}); re-export it as a pickled "
                            "numpy array [T, 17, 3]") from None
    return pose_array(value, path)


def read_openpose_frame(path: Path) -> np.ndarray | None:
    """One OpenPose-style JSON frame -> its first person [17, 3], None for nobody."""
    try:
        people = json.loads(path.read_text())["people"]
        if not people:
            return None
        flat = np.asarray(people[0]["pose_keypoints_2d"], dtype=np.float64)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise KeypointError(f"{path}: not an OpenPose frame ({type(error).__name__}: {error}); "
                            "each file must hold {\"people\": [{\"pose_keypoints_2d\": "
                            "[x, y, c] x 18 or 17}]}") from None
    if flat.size not in (17 * 3, 18 * 3):
        raise KeypointError(f"{path}: pose_keypoints_2d has {flat.size} numbers; write 18 x 3 "
                            "(OpenPose COCO-18) or 17 x 3 (COCO-17)")
    return to_coco17(flat.reshape(-1, 3))


def read_text_frame(path: Path) -> np.ndarray:
    """One GREW / Gait3D text frame -> [17, 3] (the two leading numbers are dropped)."""
    try:
        text = path.read_text().replace("\n", ",")
        values = np.array([float(v) for v in text.split(",") if v.strip()], dtype=np.float64)
    except (OSError, ValueError) as error:
        raise KeypointError(f"{path}: not comma-separated numbers ({error}); a frame file "
                            f"holds {GREW_COLUMNS}: two leading numbers, then 17 x (x, y, "
                            "score)") from None
    if values.size != GREW_COLUMNS:
        raise KeypointError(f"{path}: {values.size} numbers, not {GREW_COLUMNS}; a frame file "
                            "holds two leading numbers (image h, w), then 17 x (x, y, score): "
                            "re-export the frame")
    return values[2:].reshape(17, 3)


FRAME_READERS: dict[str, Callable[[Path], np.ndarray | None]] = {
    "openpose": read_openpose_frame, "grew": read_text_frame, "gait3d": read_text_frame}


def folder_labels(root: Path, folder: Path) -> tuple[str, str, str]:
    """(subject, type, view) of a sequence folder from its path under ``root``.

    ``<id>/<type>/<view>`` as it is; OU-MVLP-Pose's ``<id>/<view>_<seq>`` -> (id, seq, view);
    GREW's raw ``train/<id>/<seq>`` -> (<id>train, 00, seq), ``gallery/<id>/<seq>`` -> (id,
    01 or 02 by sorted seq, seq), ``probe/<video>`` -> (probe, 03, video): OpenGait's labels.
    A release's own top folder (OU-MVLP-Pose's ``openpose/`` or ``alphapose/``, Gait3D's
    ``2D_Poses/``) is not a label: a root above it labels as the folder itself does.
    """
    parts = folder.relative_to(root).parts
    if len(parts) > 1 and parts[0] in RELEASE_FOLDERS:
        parts = parts[1:]
    if parts and parts[0] in ("train", "test", "distractors") and len(parts) > 1:
        parts = parts[1:] if parts[0] != "train" else parts
    if len(parts) == 3 and parts[0] == "train":
        return f"{parts[1]}train", "00", parts[2]
    if len(parts) == 3 and parts[0] == "gallery":
        siblings = sorted(p.name for p in folder.parent.iterdir() if p.is_dir())
        return parts[1], f"{siblings.index(parts[2]) + 1:02d}", parts[2]
    if len(parts) == 2 and parts[0] == "probe":
        return "probe", "03", parts[1]
    if len(parts) == 2 and (m := re.fullmatch(r"(\d{3})_(\d{2})", parts[1])):
        return parts[0], m.group(2), m.group(1)
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    raise KeypointError(f"{folder}: cannot tell subject, type and view from "
                        f"{'/'.join(parts) or '.'}; arrange the files as <id>/<type>/<view>/")


def read_folder(root: Path, folder: Path, fmt: str, skipped: Skipped) -> KeypointSequence | None:
    """The walker of one sequence folder in format ``fmt``; None when nothing of it is usable."""
    try:
        subject, type_, view = folder_labels(root, folder)
    except KeypointError as error:
        skipped.problem(str(error))
        return None
    if fmt == "pkl":
        pickles = sorted(folder.glob("*.pkl"))
        try:
            frames = read_pickle(pickles[0])
        except KeypointError as error:
            skipped.problem(str(error))
            return None
        kept = [i for i, frame in enumerate(frames) if not nobody(frame)]
        skipped.add("frame(s) with nobody", len(frames) - len(kept))
        return KeypointSequence(subject, type_, view, frames[kept], np.asarray(kept, np.int64),
                                str(pickles[0]), fmt)
    rows, numbers = [], []
    for path in sorted(folder.glob(PER_FRAME[fmt]), key=lambda p: (frame_number(p), p.name)):
        try:
            frame = FRAME_READERS[fmt](path)
        except KeypointError as error:
            skipped.problem(str(error))
            continue
        if frame is None or nobody(frame):
            skipped.add("frame(s) with nobody")
            continue
        rows.append(frame)
        numbers.append(frame_number(path))
    if not rows:
        return None
    return KeypointSequence(subject, type_, view, np.stack(rows).astype(np.float32),
                            np.asarray(numbers, np.int64), str(folder), fmt)
