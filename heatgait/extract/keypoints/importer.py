"""``heatgait import`` of keypoints: find the format, read every walker, render, write shards.

Each walker's image keypoints go into the 64x48 heatmap frame through the box they span,
padded by 1.25 and widened to 3:4 with mmpose's UDP geometry (``extract.pose.crop``), the
crop a top-down pose model would have seen. Rendering (recorded in the shard as
``rendering``): ``pose-model`` draws mmpose's UDP Gaussians (sigma 2, peak = score,
``data.render``); ``skeletongait`` the regenerated maps of Table 4 (``data.regenerate``). The
keypoints stored beside the maps are where the maps put each joint, so every later stage
works on them unchanged; ``boxes`` are the keypoint boxes in the source image.

Sequences whose key is already in the output folder are neither read again (where the key is
known before reading) nor rendered nor written: a second import resumes. An import that
finds no sequence at all raises a one-line KeypointError; problems with single files are
counted and listed in the result, and the rest goes on. A second walker with an earlier one's
id/type/view in the same import is counted and left out (shards hold each key once); GREW's
distractor set, which no protocol here scores, is counted and passed over; a root holding both
of OU-MVLP-Pose's pose sets (``openpose/``, ``alphapose/``: the same sequences twice) is
refused with the fix.
"""

from __future__ import annotations

import fnmatch
import json
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from heatgait.data.records import SequenceRecord
from heatgait.data.regenerate import regenerate_heatmaps, regenerated_keypoints
from heatgait.data.render import DEFAULT_RENDERING, RENDERINGS, SIGMA, render_pose_model
from heatgait.data.schema import DEFAULT_STORAGE, KEYPOINTS_STORAGE
from heatgait.data.shards import existing_keys, write_shards
from heatgait.errors import KeypointError
from heatgait.extract.keypoints.formats import (
    GREW_DISTRACTORS,
    PER_FRAME,
    folder_labels,
    read_folder,
)
from heatgait.extract.keypoints.results import read_results
from heatgait.extract.keypoints.sequence import KeypointSequence, Skipped
from heatgait.extract.pose.crop import image_to_heatmap_udp, keypoint_boxes

RESULT_FORMATS = ("alphapose", "coco", "mmpose")
FORMATS = ("pkl", "openpose", "grew", "gait3d", *RESULT_FORMATS)
PADDING = 1.25


@dataclass
class ImportResult:
    """What one import did: shards written, walkers found (new or already there), skips."""

    format: str
    written: list[Path] = field(default_factory=list)
    found: int = 0
    new: int = 0
    skipped: Skipped = field(default_factory=Skipped)


def _json_format(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if isinstance(data, dict):
        return "openpose" if "people" in data else "coco" if "annotations" in data else None
    first = data[0] if isinstance(data, list) and data else None
    if not isinstance(first, dict):
        return None
    if "instances" in first:
        return "mmpose"
    if "idx" in first or "box" in first or isinstance(first.get("image_id"), str):
        return "alphapose"
    return "coco" if "image_id" in first else None


def _walk(root: Path) -> Iterator[tuple[Path, list[str]]]:
    """(folder, sorted file names) under root, folders in sorted order, lazily: a tree of
    7 million per-frame files is never listed whole."""
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        yield Path(folder), sorted(names)


def detect_format(root: Path) -> str:
    """The format of a file or tree, from the first telling file; KeypointError if none.

    A tree of heatmap pickles ([T, 17, 64, 48]) is "heatmaps" (the reference importer's)."""
    files = [root] if root.is_file() else (
        folder / name for folder, names in _walk(root) for name in names)
    for path in files:
        name = path.name
        if name.startswith("human_crop_f") and name.endswith(".txt"):
            return "gait3d"
        if name.endswith("_2d_pose.txt"):
            return "grew"
        if name.endswith(".pkl"):
            try:
                with path.open("rb") as handle:
                    shape = np.shape(pickle.load(handle))
            except Exception:  # unpicklable: not a telling file, look further
                continue
            return "heatmaps" if len(shape) == 4 else "pkl"
        if name.endswith(".json") and (fmt := _json_format(path)):
            return fmt
    raise KeypointError(f"{root}: found no keypoint file of a known format (pose pickles, "
                        "OpenPose JSON, GREW/Gait3D text, AlphaPose/COCO/mmpose JSON); check "
                        "the path or name the format with --format")


def iter_sequences(root: Path, fmt: str, skipped: Skipped, done: set[str] = frozenset()
                   ) -> Iterator[KeypointSequence | str]:
    """Walkers of a tree in ``fmt``; a key already in ``done`` comes back as that key only
    (not read), where the key is known before reading."""
    if fmt in RESULT_FORMATS:
        files = [root] if root.is_file() else sorted(root.rglob("*.json"))
        for path in files:
            yield from read_results(root if root.is_dir() else root.parent, path, fmt, skipped)
        return
    pattern = "*.pkl" if fmt == "pkl" else PER_FRAME[fmt]
    depth = len(root.parts) + 3
    for folder, names in _walk(root):
        if (fmt == "pkl" and len(folder.parts) != depth) or not fnmatch.filter(names, pattern):
            continue
        if fmt == "grew" and folder.relative_to(root).parts[0] in GREW_DISTRACTORS:
            skipped.add("GREW distractor sequence(s), which no protocol here uses")
            continue
        try:
            key = "/".join(folder_labels(root, folder))
        except KeypointError:
            key = ""
        if key in done:
            yield key
            continue
        sequence = read_folder(root, folder, fmt, skipped)
        if sequence is not None:
            yield sequence


def to_record(seq: KeypointSequence, rendering: str = DEFAULT_RENDERING, dataset: str = "",
              draw: bool = True) -> SequenceRecord:
    """Render one walker into a shard record (keypoints in the maps' frame, image boxes);
    ``draw=False`` leaves the maps out (None), for a "keypoints"-storage shard."""
    boxes = keypoint_boxes(seq.keypoints)  # [T, 4]
    xy = image_to_heatmap_udp(seq.keypoints[..., :2], boxes, PADDING)  # [T, 17, 2]
    score = np.nan_to_num(seq.keypoints[..., 2:3]).astype(np.float64)
    keypoints = np.concatenate([xy, score], -1).astype(np.float32)
    heatmaps = None
    if rendering == "pose-model":
        heatmaps = render_pose_model(keypoints) if draw else None
    else:
        heatmaps = regenerate_heatmaps(keypoints) if draw else None
        drawn, _ = regenerated_keypoints(keypoints)
        keypoints = np.concatenate([drawn[..., :2], keypoints[..., 2:]], -1).astype(np.float32)
    return SequenceRecord(
        subject=seq.subject, type=seq.type, view=seq.view, heatmaps=heatmaps,
        keypoints=keypoints, boxes=boxes.astype(np.float32), frame_indices=seq.frame_indices,
        frame_scores=keypoints[..., 2].mean(1), dataset=dataset, source=seq.source,
        track=seq.track, meta={"imported_from": seq.format, "rendering": rendering,
                               "padding": PADDING, "sigma": SIGMA})


def import_keypoints(root: str | Path, out_dir: str | Path, *, fmt: str | None = None,
                     dataset: str = "", rendering: str = DEFAULT_RENDERING,
                     storage: str = DEFAULT_STORAGE, sequences_per_shard: int = 256,
                     progress: bool = True) -> ImportResult:
    """Import every walker of a keypoint file or tree into shards under ``out_dir``."""
    root = Path(root)
    if not root.exists():
        raise KeypointError(f"{root}: no such file or folder; give the keypoint tree's root")
    if rendering not in RENDERINGS:
        raise KeypointError(f"rendering {rendering!r}: use one of {', '.join(RENDERINGS)}")
    if all((root / name).is_dir() for name in ("openpose", "alphapose")):
        raise KeypointError(f"{root}: holds both openpose/ and alphapose/, OU-MVLP-Pose's two "
                            "pose sets of the same sequences; import one of them, e.g. "
                            f"{root / 'openpose'}")
    fmt = fmt or detect_format(root)
    if fmt not in FORMATS:
        raise KeypointError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    result = ImportResult(format=fmt)
    done = existing_keys(out_dir)
    seen: set[str] = set()  # keys of this import: a second walker with one's labels is not new

    def records() -> Iterator[SequenceRecord]:
        for item in iter_sequences(root, fmt, result.skipped, done):
            key = item if isinstance(item, str) else item.key
            if key in seen:
                result.skipped.add("sequence(s) with the id/type/view of an earlier one")
                continue
            seen.add(key)
            result.found += 1
            if isinstance(item, str) or key in done:
                continue
            result.new += 1
            yield to_record(item, rendering, dataset, draw=storage != KEYPOINTS_STORAGE)

    attrs = {"pose_model": f"none (imported {fmt} keypoints)",
             "detector": "none (boxes from the keypoints)", "rendering": rendering,
             "keypoint_format": fmt}
    result.written = write_shards(records(), out_dir, prefix=f"kp-{fmt}", storage=storage,
                                  sequences_per_shard=sequences_per_shard, attrs=attrs,
                                  progress=progress)
    if result.found == 0:
        first = result.skipped.problems[0] if result.skipped.problems else ""
        raise KeypointError(f"{root}: no {fmt} sequence found"
                            + (f" ({result.skipped.summary()}; first: {first})" if first else
                               f" ({result.skipped.summary()})" if result.skipped.counts else "")
                            + "; check the path and --format")
    return result
