"""What every keypoint reader gives back: one walker's image keypoints, labelled, and what it
passed over (frames with nobody, files that do not parse), counted for the import's summary.

Also the two conversions the readers share: COCO-18 (OpenPose) -> COCO-17, and frame numbers
parsed from file names (compared as numbers, never as text: f9999 comes before f10000).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# OpenPose COCO-18 index of each COCO-17 joint (drops the neck, 1): OpenGait / FastPoseGait.
COCO18_TO_COCO17 = np.array([0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10])
_DIGITS = re.compile(r"(\d+)")


@dataclass
class KeypointSequence:
    """One walker: keypoints [T, 17, 3] (x, y in source-image pixels, score) of its kept frames.

    ``subject/type/view`` are the labels the evaluation protocols read (id, sequence type such
    as "00", "01" or "nm-01", view or camera); ``track`` splits a multi-person video.
    """

    subject: str
    type: str
    view: str
    keypoints: np.ndarray  # [T, 17, 3] float32
    frame_indices: np.ndarray  # [T] int64: frame number of each kept frame in the source
    source: str
    format: str
    track: int | None = None

    @property
    def key(self) -> str:
        base = f"{self.subject}/{self.type}/{self.view}"
        return base if self.track is None else f"{base}/track-{self.track}"


@dataclass
class Skipped:
    """What an import passed over: counts by reason, and one line per unreadable input."""

    counts: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def add(self, reason: str, n: int = 1) -> None:
        if n:
            self.counts[reason] += n

    def problem(self, message: str) -> None:
        """An input that does not parse or label: its one-line message, the import goes on."""
        self.problems.append(message)
        self.counts["unreadable input"] += 1

    def summary(self) -> str:
        """'skipped: 3 frame(s) with nobody, 1 unreadable input' (empty when nothing was)."""
        if not self.counts:
            return ""
        return "skipped: " + ", ".join(f"{n} {reason}" for reason, n in sorted(self.counts.items()))


def frame_number(path: str | Path) -> int:
    """The frame number in a file name: the digits after "f" of Gait3D's human_crop_f<n>,
    else the first run of digits (00012_2d_pose.txt, 0021_keypoints.json, 7.jpg); -1 when none."""
    stem = Path(str(path)).stem
    match = re.search(r"_f(\d+)$", stem) or _DIGITS.search(stem)
    return int(match.group(1)) if match else -1


def to_coco17(array: np.ndarray) -> np.ndarray:
    """[..., 17 or 18, 3] -> [..., 17, 3] COCO order (18 = OpenPose COCO-18: neck dropped)."""
    if array.shape[-2] == 18:
        return array[..., COCO18_TO_COCO17, :]
    return array


def nobody(frame: np.ndarray) -> bool:
    """A frame [17, 3] with no joint detected (all scores 0, as OpenPose writes 0,0,0)."""
    return not bool((np.nan_to_num(frame[:, 2]) > 0).any())
