"""Locate and read the public sample video ``vtest.avi`` used to test stage 1 on real footage.

``vtest.avi`` (768x576, 10 fps, 795 frames, 7-8 people walking past a static camera) ships in
Debian's ``opencv-doc`` package. ``$HEATGAIT_VTEST`` overrides the path. This is the one place
in the code base that names the Debian path.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from heatgait.errors import HeatgaitError

VTEST_ENV = "HEATGAIT_VTEST"
VTEST_DEBIAN = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")


def vtest_path() -> Path | None:
    """Path to vtest.avi from ``$HEATGAIT_VTEST`` or the Debian package, or None if absent."""
    env = os.environ.get(VTEST_ENV)
    for candidate in ([Path(env)] if env else []) + [VTEST_DEBIAN]:
        if candidate.is_file():
            return candidate
    return None


def require_vtest() -> Path:
    """Like :func:`vtest_path` but raise a one-line HeatgaitError naming the fix when absent."""
    path = vtest_path()
    if path is None:
        raise HeatgaitError(
            f"vtest.avi not found; `apt-get install opencv-doc` or set ${VTEST_ENV} to its path"
        )
    return path


def read_frames(path: str | os.PathLike, indices: list[int]) -> list[np.ndarray]:
    """Decode the frames at ``indices`` of a video as RGB uint8 [H, W, 3] arrays, in that order."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise HeatgaitError(f"{path}: cannot open video; check the file and the OpenCV build")
    frames: dict[int, np.ndarray] = {}
    try:
        wanted = sorted(set(indices))
        pos = 0
        for idx in wanted:
            if idx != pos:
                cap.set(cv2.CAP_PROP_POS_FRAMES, idx)
                pos = idx
            ok, bgr = cap.read()
            if not ok:
                raise HeatgaitError(f"{path}: cannot read frame {idx}; the video is shorter")
            frames[idx] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            pos += 1
    finally:
        cap.release()
    return [frames[i] for i in indices]
