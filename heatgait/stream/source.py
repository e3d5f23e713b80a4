"""A live source at its own pace: a camera, an RTSP/HTTP stream, or a video file played in
real time, read by a background thread into a one-frame mailbox.

The reader never waits for the processing: each frame it reads replaces the one in the
mailbox, and a frame replaced before anyone took it is counted as skipped. So however slow
the processing, it always gets the newest frame, memory holds one frame, and no frame is lost
without being counted (``read == taken + skipped`` once the source is drained).

- A video file is released at its own frame rate against the wall clock: frame i at
  ``start + i / fps``, as a camera would deliver it (``pace=False``: every frame is handed
  over in turn, the reader waiting for the consumer; for tests and offline comparisons).
- A camera index (``0``) or a URL (``rtsp://``, ``http://``, ...) delivers at its own rate;
  the reader takes frames as fast as they come.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import cv2
import numpy as np

from heatgait.errors import UsageError

LIVE_PREFIXES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")
FALLBACK_FPS = 25.0  # a live source that does not say its rate


@dataclass(frozen=True)
class Frame:
    index: int  # position in the source (0, 1, ...: frames the reader read)
    image: np.ndarray  # RGB uint8 [H, W, 3]
    released: float  # time.monotonic() when the source delivered it
    position_s: float  # index / fps: its time in the source


def open_capture(source: str) -> tuple[cv2.VideoCapture, bool, str]:
    """(capture, live, description) for a camera index, a URL or a video file."""
    live = source.isdigit() or source.lower().startswith(LIVE_PREFIXES)
    if not live:
        from pathlib import Path

        if not Path(source).is_file():
            raise UsageError(f"--stream {source}: no such video file; give a file, a camera "
                             "index (0) or a stream URL (rtsp://...)")
    capture = cv2.VideoCapture(int(source) if source.isdigit() else source)
    if not capture.isOpened():
        kind = "camera" if source.isdigit() else "stream" if live else "video"
        raise UsageError(f"--stream {source}: cannot open the {kind}; check the "
                         f"{'device index' if source.isdigit() else 'address' if live else 'file'}"
                         " and that OpenCV was built with its backend")
    return capture, live, ("camera " + source) if source.isdigit() else source


class PacedReader:
    """Reads ``source`` in a thread; :meth:`take` returns the newest unread frame."""

    def __init__(self, source: str, *, pace: bool = True, max_frames: int | None = None,
                 fps: float | None = None) -> None:
        self.capture, self.live, self.name = open_capture(source)
        rate = self.capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps or (rate if rate and 0 < rate < 1000 else FALLBACK_FPS))
        self.pace = pace
        self.max_frames = max_frames
        self.read = 0  # frames the source delivered
        self.taken = 0  # frames handed to the consumer
        self.skipped = 0  # frames replaced in the mailbox before anyone took them
        self.error: str = ""  # why the reader stopped early, if it did
        self._slot: Frame | None = None
        self._done = False
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="stream-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if self.max_frames is not None and self.read >= self.max_frames:
                    break
                due = self.started + self.read / self.fps
                if self.pace and not self.live and due > time.monotonic():
                    if self._stop.wait(due - time.monotonic()):
                        break
                ok, bgr = self.capture.read()
                if not ok:
                    if self.read == 0:
                        self.error = f"{self.name}: no frame could be read"
                    break
                frame = Frame(self.read, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), time.monotonic(),
                              self.read / self.fps)
                self.read += 1
                with self._cond:
                    while not self.pace and self._slot is not None and not self._stop.is_set():
                        self._cond.wait(0.1)  # unpaced: hand every frame over
                    if self._slot is not None:
                        self.skipped += 1
                    self._slot = frame
                    self._cond.notify_all()
        except Exception as exc:  # a broken stream ends the reading; the consumer is told
            self.error = f"{self.name}: {type(exc).__name__}: {exc}"
        finally:
            self.capture.release()
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def take(self) -> Frame | None:
        """The newest frame not yet taken (waits for one); None when the source has ended."""
        with self._cond:
            while self._slot is None and not self._done:
                self._cond.wait(0.5)
            frame, self._slot = self._slot, None
            if frame is not None:
                self.taken += 1
            self._cond.notify_all()
            return frame

    def __iter__(self):
        while (frame := self.take()) is not None:
            yield frame

    def close(self) -> None:
        """Stops the reader; a frame left in the mailbox counts as skipped."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        self._thread.join(timeout=5)
        with self._cond:
            if self._slot is not None:
                self.skipped += 1
                self._slot = None

    def __enter__(self) -> PacedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
