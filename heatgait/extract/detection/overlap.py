"""Detection one step ahead: the detector works on chunk k+1 while the caller poses chunk k.

Stage 1 has three stages per chunk: decoding (already a thread in ``video.read_chunks``),
detection, and tracking + cropping + pose, which must stay in order in the caller because the
tracker is sequential. :class:`DetectAhead` moves detection into its own thread with a bounded
queue, so on a GPU the detector's CPU-side work (pre-processing, NMS) and its launches overlap
the pose model's, and on the CPU the two share the cores instead of taking turns. Results come
out in the order of the chunks, exactly as the sequential loop computes them.

The worker thread is the only one that iterates ``chunks`` (a generator cannot be driven from
two threads), so it also closes it; an error there, from decoding or from the detector, is
re-raised in the caller as it was raised. Closing early stops the worker and waits for it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from types import TracebackType

import numpy as np

from heatgait.extract.detection.detectors import PersonDetector

Chunk = tuple[np.ndarray, list[np.ndarray]]  # (frame indices [c], RGB frames)
Detected = tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]  # ... + boxes per frame
_END = object()


class DetectAhead:
    """Iterator of (indices, frames, detections) with detection up to ``depth`` chunks ahead."""

    def __init__(self, chunks: Iterable[Chunk], detector: PersonDetector, depth: int = 2):
        self._queue: queue.Queue = queue.Queue(maxsize=max(depth, 1))
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._work, args=(chunks, detector),
                                        name="detect-ahead", daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self, chunks: Iterable[Chunk], detector: PersonDetector) -> None:
        try:
            for indices, frames in chunks:
                if self._stop.is_set() or not self._put((indices, frames, detector(frames))):
                    return
            self._put(_END)
        except BaseException as exc:  # handed to the caller, which re-raises it
            self._put(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # stops the decoding thread of read_chunks

    def __iter__(self) -> Iterator[Detected]:
        return self

    def __next__(self) -> Detected:
        if self._done:
            raise StopIteration
        item = self._queue.get()
        if item is _END:
            self.close()
            raise StopIteration
        if isinstance(item, BaseException):
            self.close()
            raise item
        return item

    def close(self) -> None:
        """Stop the worker (and with it the decoder) and wait until it has ended."""
        self._done = True
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> DetectAhead:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def detect_inline(chunks: Iterable[Chunk], detector: PersonDetector) -> Iterator[Detected]:
    """The sequential path: the same triples, detection in the caller's thread."""
    try:
        for indices, frames in chunks:
            yield indices, frames, detector(frames)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def limit_frames(chunks: Iterator[Chunk], max_frames: int) -> Iterator[Chunk]:
    """The chunks cut to the first ``max_frames`` frames (0: all); stops decoding once there."""
    total = 0
    try:
        for indices, frames in chunks:
            if max_frames:
                keep = max_frames - total
                indices, frames = indices[:keep], frames[:keep]
            total += len(frames)
            yield indices, frames
            if max_frames and total >= max_frames:
                return
    finally:
        chunks.close()  # type: ignore[attr-defined]
