"""The annotated video of a stream (``--video-out``): each processed frame with its walkers'
boxes, track ids and current names. A skipped frame repeats the last processed one, so the
video keeps the source's timing. Written under a temporary name and moved into place when
the stream ends (``fileio.durable_replace``): a reader never finds half a video.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import cv2
import numpy as np

from heatgait.errors import UsageError
from heatgait.fileio import durable_replace

FOURCC = {".mp4": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}
NAMED, REJECTED, WAITING = (60, 200, 60), (220, 60, 60), (235, 235, 235)


def draw(image: np.ndarray, boxes: list[np.ndarray], labels: list[str],
         colors: list[tuple[int, int, int]]) -> np.ndarray:
    """RGB frame with a box and a label per walker (a copy)."""
    out = image.copy()
    for box, label, color in zip(boxes, labels, colors):
        x1, y1, x2, y2 = (int(round(float(v))) for v in box[:4])
        cv2.rectangle(out, (x1, y1), (x2, y2), color, 2)
        cv2.putText(out, label, (x1, max(12, y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, color, 1,
                    cv2.LINE_AA)
    return out


class VideoAnnotator:
    """Writes annotated frames at the source's rate into ``path`` (.mp4, .avi or .mkv)."""

    def __init__(self, path: str | Path, fps: float) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() not in FOURCC:
            raise UsageError(f"--video-out {path}: give a .mp4, .avi or .mkv file")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}."
                                       f"{secrets.token_hex(4)}.tmp{self.path.suffix}")
        self.fps = fps
        self.writer: cv2.VideoWriter | None = None
        self.last: np.ndarray | None = None
        self.next_index = 0

    def write(self, index: int, image: np.ndarray) -> None:
        """The annotated frame ``index``; frames skipped since the last one repeat it."""
        if self.writer is None:
            h, w = image.shape[:2]
            fourcc = cv2.VideoWriter_fourcc(*FOURCC[self.path.suffix.lower()])
            self.writer = cv2.VideoWriter(str(self.tmp), fourcc, self.fps, (w, h))
            if not self.writer.isOpened():
                raise UsageError(f"--video-out {self.path}: OpenCV cannot write this format "
                                 "here; try .avi")
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        for _ in range(max(0, index - self.next_index)):
            self.writer.write(self.last if self.last is not None else bgr)
        self.writer.write(bgr)
        self.last, self.next_index = bgr, index + 1

    def close(self, keep: bool = True) -> Path | None:
        """Finishes the file (``keep``) or drops it; returns where it is."""
        if self.writer is None:
            return None
        self.writer.release()
        self.writer = None
        if not keep:
            self.tmp.unlink(missing_ok=True)
            return None
        return durable_replace(self.tmp, self.path)
