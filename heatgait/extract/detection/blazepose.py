"""Offline person detector: MediaPipe's BlazePose detector (``pose_detection.tflite``), tiled.

The model is an SSD over a 224x224 RGB input in [-1, 1] with 2254 anchors; each anchor
regresses a face box and four alignment keypoints (hip centre, full-body scale point, shoulder
centre, upper-body scale point). MediaPipe turns the first two into the body's region: a circle
around the hip centre whose radius is the distance to the scale point. We do the same and return
the upright box of a standing person inside that circle.

The walkers of surveillance footage are small (70-150 px tall in 768x576), while the model
wants people filling a good part of its input, so each frame is cut into overlapping square
tiles (plus, optionally, the whole frame), each tile resized to 224x224, and the detections of
all tiles are merged with one NMS in frame coordinates. The default, 192-px tiles overlapping by
half plus one whole-frame pass (36 model runs on 768x576), found 6 of the 7 walkers on
mid-video frames of vtest.avi; 288-px tiles (13 runs, ~2.5x faster) found 3-5 and let a
yellow cloth on the grass through as a person.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from heatgait.extract.detection.boxes import filter_people
from heatgait.extract.runtimes.litert import input_index, load_interpreter, outputs_by_shape
from heatgait.extract.runtimes.model_cache import POSE_DETECTION

INPUT_SIZE = 224
NUM_ANCHORS = 2254
# A standing person's box inside the full-body circle: full height, this share of it as width.
BODY_ASPECT = 0.45


@dataclass(frozen=True)
class Tiling:
    """Square tiles of ``size`` px laid over a frame with at least ``overlap`` share of overlap;
    ``whole_frame`` adds one letterboxed pass over the full frame for people who fill it."""

    size: int = 192
    overlap: float = 0.5
    whole_frame: bool = True


def ssd_anchors() -> np.ndarray:
    """Anchor centres [2254, 2] (x, y, in [0, 1]) of MediaPipe's pose-detection graph.

    Strides 8, 16, 32, 32, 32 on a 224 input with anchor offset 0.5 and a fixed anchor size
    (so only centres matter); each layer gives two anchors a cell (aspect ratio 1 plus the
    interpolated scale) and consecutive layers of equal stride share their cells: 2 a cell on
    28x28, 2 on 14x14, 6 on 7x7.
    """
    strides = [8, 16, 32, 32, 32]
    centres = []
    layer = 0
    while layer < len(strides):
        last = layer
        while last < len(strides) and strides[last] == strides[layer]:
            last += 1
        per_cell = 2 * (last - layer)
        fm = int(np.ceil(INPUT_SIZE / strides[layer]))
        ys, xs = np.meshgrid(np.arange(fm), np.arange(fm), indexing="ij")
        cell = np.stack([(xs + 0.5) / fm, (ys + 0.5) / fm], axis=-1).reshape(-1, 2)  # [fm*fm, 2]
        centres.append(np.repeat(cell, per_cell, axis=0))
        layer = last
    anchors = np.concatenate(centres).astype(np.float32)
    assert anchors.shape == (NUM_ANCHORS, 2)
    return anchors


def decode(raw: np.ndarray, logits: np.ndarray, anchors: np.ndarray,
           score_thr: float) -> tuple[np.ndarray, np.ndarray]:
    """Decode one image's SSD output to (scores [n], keypoints [n, 4, 2]) in [0, 1] input units.

    raw [2254, 12]: box (x, y, w, h) then 4 keypoints (x, y), offsets in input pixels from the
    anchor centre; logits [2254]: clipped to +-100 and passed through a sigmoid.
    """
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float64), -100.0, 100.0)))
    keep = scores >= score_thr
    kps = raw[keep, 4:12].reshape(-1, 4, 2) / INPUT_SIZE + anchors[keep, None, :]  # [n, 4, 2]
    return scores[keep].astype(np.float32), kps.astype(np.float32)


def body_boxes(kps: np.ndarray) -> np.ndarray:
    """Full-body boxes [n, 4] (x1, y1, x2, y2) from alignment keypoints [n, 4, 2] (any units).

    Keypoint 0 is the hip centre and the distance to keypoint 1 the radius of a circle that
    encloses the whole body; a standing person spans that circle vertically.
    """
    centre = kps[:, 0]  # [n, 2]
    radius = np.linalg.norm(kps[:, 1] - kps[:, 0], axis=-1)  # [n]
    half_w = BODY_ASPECT * radius
    return np.stack([centre[:, 0] - half_w, centre[:, 1] - radius,
                     centre[:, 0] + half_w, centre[:, 1] + radius], axis=-1)


def tile_origins(length: int, size: int, overlap: float) -> list[int]:
    """Start offsets of tiles of ``size`` covering ``length`` with at least ``overlap`` shared."""
    if length <= size:
        return [0]
    step = max(1, int(size * (1.0 - overlap)))
    count = int(np.ceil((length - size) / step)) + 1
    return np.linspace(0, length - size, count).round().astype(int).tolist()


def frame_windows(height: int, width: int, tiling: Tiling) -> list[tuple[int, int, int]]:
    """Square windows (x0, y0, side) in frame pixels; a window may reach past the frame."""
    side = min(tiling.size, max(height, width))
    wins = [(x, y, side) for y in tile_origins(height, side, tiling.overlap)
            for x in tile_origins(width, side, tiling.overlap)]
    if tiling.whole_frame and side < max(height, width):
        wins.append((0, 0, max(height, width)))
    return wins


class BlazePersonDetector:
    """Person boxes on RGB frames with BlazePose's detector, tiled for small people.

    Returns per frame boxes [n, 5] float32 (x1, y1, x2, y2, score) in frame pixels after the
    score threshold, NMS and the drop of boxes under a pixel (``boxes.filter_people``), best
    first.
    """

    name = "blazepose-detector"

    def __init__(self, score_thr: float = 0.5, nms_thr: float = 0.3,
                 tiles: Tiling | None = None, model_path: str | os.PathLike | None = None,
                 num_threads: int | None = None) -> None:
        self.score_thr = score_thr
        self.nms_thr = nms_thr
        self.tiling = tiles if tiles is not None else Tiling()
        self._interp = load_interpreter(POSE_DETECTION, model_path, num_threads)
        self._input = input_index(self._interp)
        outs = outputs_by_shape(self._interp)
        self._raw = outs[(1, NUM_ANCHORS, 12)]  # box + 4 keypoints per anchor
        self._logit = outs[(1, NUM_ANCHORS, 1)]  # score logit per anchor
        self._anchors = ssd_anchors()

    def _run(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One 224x224x3 float32 input in [-1, 1] -> (raw [2254, 12], logits [2254])."""
        self._interp.set_tensor(self._input, image[None])
        self._interp.invoke()
        raw = self._interp.get_tensor(self._raw)[0]
        logits = self._interp.get_tensor(self._logit)[0, :, 0]
        return raw, logits

    def detect(self, frame: np.ndarray) -> np.ndarray:
        """Boxes [n, 5] for one RGB uint8 frame [H, W, 3]."""
        import cv2

        height, width = frame.shape[:2]
        all_boxes, all_scores = [], []
        for x0, y0, side in frame_windows(height, width, self.tiling):
            window = np.zeros((side, side, 3), dtype=np.uint8)
            part = frame[y0:y0 + side, x0:x0 + side]
            window[:part.shape[0], :part.shape[1]] = part
            image = cv2.resize(window, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA)
            image = image.astype(np.float32) / 127.5 - 1.0  # [224, 224, 3] in [-1, 1]
            scores, kps = decode(*self._run(image), self._anchors, self.score_thr)
            if scores.size:
                all_boxes.append(body_boxes(kps) * side + np.array([x0, y0, x0, y0]))
                all_scores.append(scores)
        if not all_boxes:
            return np.zeros((0, 5), dtype=np.float32)
        boxes = np.concatenate(all_boxes)  # [n, 4]
        scores = np.concatenate(all_scores)  # [n]
        # one NMS over all tiles, in frame coordinates: a walker seen by several tiles is one
        return filter_people(np.concatenate([boxes, scores[:, None]], axis=1), self.score_thr,
                             self.nms_thr)

    def __call__(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        return [self.detect(frame) for frame in frames]
