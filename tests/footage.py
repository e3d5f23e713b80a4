"""Real footage for tests and benchmarks: the frames of vtest.avi, found by the library.

Shared by ``tests/`` (``from tests.footage import ...``; pytest puts the checkout on the path)
and ``benchmarks/`` (which put the checkout on ``sys.path`` first). The library keeps only
``heatgait.extract.job.sample_video.vtest_path``, which the demo needs.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from heatgait.errors import HeatgaitError
from heatgait.extract.job.sample_video import VTEST_ENV, vtest_path


def require_vtest() -> Path:
    """Like ``vtest_path`` but raise a one-line HeatgaitError naming the fix when absent."""
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
