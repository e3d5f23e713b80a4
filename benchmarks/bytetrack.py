"""ByteTrack (roboflow's ``trackers`` package) behind the extraction's tracker contract.

Stage 1 calls ``tracker.update(frame, boxes [n, 5]) -> ids`` (one id per box, in box order).
``trackers.ByteTrackTracker`` takes ``supervision.Detections`` and returns them reordered
with a ``tracker_id`` that is -1 for boxes it does not (yet) follow: a new track's first box,
and low-score boxes that continue no track. This wrapper keeps the box order and passes those
-1 through; :func:`tests.extract.track_eval.run_tracker` leaves them out.

Frames are handed over as time stamps (``frame / fps``), so skipped frames make the Kalman
filter predict across the gap as the hand-written tracker's constant velocity does.
"""

from __future__ import annotations

import numpy as np

from heatgait.errors import MissingDependencyError

TRACKERS_PIN = "trackers==2.6.1"


class ByteTrackAdapter:
    """``trackers.ByteTrackTracker`` with ``update(frame, boxes) -> ids``.

    ``max_gap`` is the number of frames a lost track waits for its person (None: the
    library's 1 s); the other arguments are ByteTrack's own, defaulting to the library's.
    """

    name = "bytetrack"

    def __init__(self, fps: float = 10.0, max_gap: int | None = None,
                 activation_thr: float = 0.7, high_thr: float = 0.6, min_iou: float = 0.1,
                 min_frames: int = 2) -> None:
        try:
            import supervision as sv
            from trackers import ByteTrackTracker
        except ImportError as exc:
            raise MissingDependencyError(
                f"the ByteTrack comparison needs `pip install {TRACKERS_PIN}`") from exc
        self._sv = sv
        self.fps = fps
        # trackers counts the lost-track buffer in 30 fps frames
        buffer = 30 if max_gap is None else int(round(max_gap * 30.0 / fps))
        self._tracker = ByteTrackTracker(
            lost_track_buffer=buffer, frame_rate=fps,
            track_activation_threshold=activation_thr, high_conf_det_threshold=high_thr,
            minimum_iou_threshold=min_iou, minimum_consecutive_frames=min_frames)

    def update(self, frame: int, boxes: np.ndarray) -> list[int]:
        """Boxes [n, 5] (x1, y1, x2, y2, score) of ``frame`` -> a track id per box (-1: none)."""
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 5)
        detections = self._sv.Detections(
            xyxy=boxes[:, :4], confidence=boxes[:, 4],
            data={"index": np.arange(len(boxes))})
        result = self._tracker.update(detections, timestamp=frame / self.fps)
        ids = [-1] * len(boxes)
        for index, track_id in zip(result.data.get("index", ()), result.tracker_id):
            ids[int(index)] = int(track_id)
        return ids
