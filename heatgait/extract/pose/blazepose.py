"""Offline pose backend: raw COCO-17 heatmaps from MediaPipe's BlazePose landmark model.

Used as ``--pose blazepose`` where mmpose weights cannot be downloaded. The model
(``pose_landmark_full.tflite``) takes a 256x256 RGB image in [0, 1] and, besides 39 regressed
landmarks, emits a 64x64x39 heatmap of logits. The top-down crop of stage 1 is 256x192, so
it is placed in the middle of the square input (32 black columns each side); the middle 48
heatmap columns then cover exactly the crop, at the same 1/4 resolution as HRNet's 64x48.
The 17 COCO joints are picked out of BlazePose's 33 body landmarks, and the logits pass
through a sigmoid so values lie in [0, 1] like the other backends' heatmaps.

Keypoints are the model's regressed landmarks, not a decoding of its heatmaps
(``heatgait.data.keypoints`` decodes every other backend's). BlazePose is a regression model:
the landmark head is its estimate, and the heatmap is an auxiliary output. The score is
sigmoid(visibility), a per-joint probability, which is what the frame filter needs.
``docs/shards.md`` says the same for readers of the shards.
"""

from __future__ import annotations

import os

import numpy as np

from heatgait.data.schema import NUM_JOINTS
from heatgait.errors import UsageError
from heatgait.extract.runtimes.litert import input_index, load_interpreter, outputs_by_shape
from heatgait.extract.runtimes.model_cache import POSE_LANDMARK

# BlazePose landmark index of each COCO-17 joint (nose, eyes, ears, shoulders, elbows, wrists,
# hips, knees, ankles, in COCO order).
COCO_FROM_BLAZEPOSE = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
MODEL_SIZE = 256
CROP_H, CROP_W = 256, 192
PAD_X = (MODEL_SIZE - CROP_W) // 2  # 32 black columns each side of the crop
STRIDE = 4  # input pixels per heatmap pixel (256 / 64)
HM_H, HM_W = CROP_H // STRIDE, CROP_W // STRIDE  # 64, 48
HM_X0 = PAD_X // STRIDE  # first heatmap column inside the crop (8)
NUM_LANDMARKS = 39
assert len(COCO_FROM_BLAZEPOSE) == NUM_JOINTS


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(x, -80.0, 80.0)))).astype(np.float32)


def landmarks_to_heatmap_frame(landmarks: np.ndarray) -> np.ndarray:
    """COCO keypoints [17, 3] (x, y, score) in the 48x64 heatmap frame from landmarks [39, 5].

    Landmarks are (x, y, z, visibility, presence) in continuous 256-px input coordinates (pixel
    p spans p..p+1). The result is in heatmap pixel indices with mmpose's convention (input
    pixel index / 4), so it compares directly with a heatmap argmax and with the keypoints of
    the mmpose backends. Score = sigmoid(visibility).
    """
    picked = landmarks[list(COCO_FROM_BLAZEPOSE)]  # [17, 5]
    x = (picked[:, 0] - 0.5 - PAD_X) / STRIDE
    y = (picked[:, 1] - 0.5) / STRIDE
    return np.stack([x, y, _sigmoid(picked[:, 3])], axis=-1).astype(np.float32)


class BlazePoseBackend:
    """Top-down pose backend on 256x192 crops with BlazePose (LiteRT, CPU).

    ``__call__(crops [B, 256, 192, 3] uint8 RGB)`` returns heatmaps [B, 17, 64, 48] float32 in
    [0, 1] and keypoints [B, 17, 3] float32 (x, y in heatmap pixels, score in [0, 1]). The model
    has batch size 1, so one interpreter is reused in a loop over the batch.
    """

    name = "blazepose"
    input_size = (CROP_H, CROP_W)

    def __init__(self, model_path: str | os.PathLike | None = None, num_threads: int | None = None) -> None:
        self._interp = load_interpreter(POSE_LANDMARK, model_path, num_threads)
        self._input = input_index(self._interp)
        outs = outputs_by_shape(self._interp)
        self._heatmap = outs[(1, 64, 64, NUM_LANDMARKS)]
        self._landmarks = outs[(1, NUM_LANDMARKS * 5)]
        self._image = np.zeros((1, MODEL_SIZE, MODEL_SIZE, 3), dtype=np.float32)  # [1, 256, 256, 3]

    def _infer(self, crop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One crop [256, 192, 3] uint8 -> (heatmap [17, 64, 48], keypoints [17, 3])."""
        self._image[0, :, PAD_X:PAD_X + CROP_W] = crop.astype(np.float32) / 255.0
        self._interp.set_tensor(self._input, self._image)
        self._interp.invoke()
        logits = self._interp.get_tensor(self._heatmap)[0]  # [64, 64, 39]
        logits = logits[:, HM_X0:HM_X0 + HM_W, list(COCO_FROM_BLAZEPOSE)]  # [64, 48, 17]
        heatmap = _sigmoid(np.transpose(logits, (2, 0, 1)))  # [17, 64, 48]
        landmarks = self._interp.get_tensor(self._landmarks)[0].reshape(NUM_LANDMARKS, 5)
        return heatmap, landmarks_to_heatmap_frame(landmarks)

    def __call__(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        crops = np.asarray(crops)
        if crops.ndim != 4 or crops.shape[1:] != (CROP_H, CROP_W, 3):
            raise UsageError(
                f"blazepose: crops of shape {crops.shape}; pass [B, {CROP_H}, {CROP_W}, 3] RGB uint8"
            )
        heatmaps = np.empty((len(crops), NUM_JOINTS, HM_H, HM_W), dtype=np.float32)  # [b, 17, 64, 48]
        keypoints = np.empty((len(crops), NUM_JOINTS, 3), dtype=np.float32)  # [b, 17, 3]
        for i, crop in enumerate(crops):
            heatmaps[i], keypoints[i] = self._infer(crop)
        return heatmaps, keypoints
