"""Decode a sequence's frames (video file or folder of images) in a background thread.

Decoding overlaps with detection and pose: a reader thread fills a bounded queue, so memory
stays at ``queue_size`` chunks whatever the video length. Frames come out as RGB uint8
[H, W, 3] in chunks with their source indices. A video that cannot be opened or yields no
frame raises :class:`VideoError`, which the runner records as a failure of that input.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from heatgait.errors import HeatgaitError
from heatgait.extract.job.inputs import IMAGE_SUFFIXES

_END = object()


class VideoError(HeatgaitError):
    """A video or frame folder that cannot be decoded."""


def _iter_video(path: Path) -> Iterator[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise VideoError(f"{path}: cannot open video (corrupt file or unsupported codec)")
    try:
        count = 0
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            count += 1
            yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        if count == 0:
            raise VideoError(f"{path}: no frame could be decoded (corrupt or empty video)")
    finally:
        cap.release()


def _iter_frames_folder(path: Path) -> Iterator[np.ndarray]:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    for file in files:
        bgr = cv2.imread(str(file), cv2.IMREAD_COLOR)
        if bgr is None:
            raise VideoError(f"{file}: cannot decode image; remove or replace the file")
        yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def iter_frames(path: str | Path, kind: str = "video") -> Iterator[np.ndarray]:
    """RGB frames [H, W, 3] uint8 of a video file or frame folder, in order (no thread)."""
    path = Path(path)
    return _iter_frames_folder(path) if kind == "frames" else _iter_video(path)


def read_chunks(path: str | Path, kind: str = "video", chunk: int = 16,
                queue_size: int = 4) -> Iterator[tuple[np.ndarray, list[np.ndarray]]]:
    """(frame indices [c], frames) chunks decoded ahead by a background thread.

    Errors in the reader thread are re-raised in the caller. Stopping the iteration early
    (``close()`` or garbage collection) stops the thread.
    """
    out: queue.Queue = queue.Queue(maxsize=queue_size)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def reader() -> None:
        try:
            frames: list[np.ndarray] = []
            start = 0
            for frame in iter_frames(path, kind):
                frames.append(frame)
                if len(frames) == chunk:
                    if not put((np.arange(start, start + chunk), frames)):
                        return
                    start, frames = start + chunk, []
            if frames:
                put((np.arange(start, start + len(frames)), frames))
            put(_END)
        except BaseException as exc:
            put(exc)

    thread = threading.Thread(target=reader, name=f"decode-{Path(path).name}", daemon=True)
    thread.start()
    try:
        while True:
            item = out.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
