"""The RTMDet person detector from a heatgait ONNX export, run in onnxruntime or OpenVINO.

The graph ends at the raw head (``detection.export``); this module does the rest as mmdet's
``test_step`` does for RTMDet, in numpy: the keep-ratio resize into the config's test scale and
the bottom-right pad, then per level the sigmoid scores of the person class above the config's
``score_thr`` (at most ``nms_pre`` of them), boxes as prior point -/+ the predicted distances
clipped to the padded input (mmdet's ``img_shape`` after its Pad), scaled back to the frame, NMS at the config's IoU, its
``max_per_img`` best; then heatgait's own threshold and NMS (``boxes.filter_people``), as for
the torch detector. Only the person class is scored and suppressed: mmdet's class-wise NMS
keeps the same person boxes, but its ``nms_pre``/``max_per_img`` budgets count every class,
so for an 80-class model (rtmdet-tiny) a frame crowded with other objects can differ.
Needs neither torch nor mmcv.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from heatgait.extract.detection.boxes import filter_people, nms
from heatgait.extract.runtimes.choice import export_path, is_export
from heatgait.extract.runtimes.onnxfile import open_model

PERSON_CLASS = 0


def letterbox(frame_bgr: np.ndarray, size: tuple[int, int], pad: float) -> tuple[np.ndarray,
                                                                                  np.ndarray]:
    """(image [3, h, w] float32 resized keeping the ratio and padded, scale (sx, sy, sx, sy))."""
    h, w = frame_bgr.shape[:2]
    factor = min(size[0] / h, size[1] / w)  # mmcv's rescale with a square scale
    new_w, new_h = int(w * factor + 0.5), int(h * factor + 0.5)
    resized = cv2.resize(frame_bgr, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    image = np.full((size[0], size[1], 3), pad, dtype=np.float32)
    image[:new_h, :new_w] = resized
    scale = np.array([new_w / w, new_h / h, new_w / w, new_h / h], dtype=np.float32)
    return image.transpose(2, 0, 1), scale


class ExportedDetector:
    """A heatgait detector export (``heatgait export --det``) in ``runtime`` (onnx, openvino)."""

    def __init__(self, path: str | Path, runtime: str = "onnx", score_thr: float = 0.3,
                 nms_thr: float = 0.3) -> None:
        self.session = open_model(path, runtime, kind="detector")
        info = self.session.metadata["detector"]
        self.name, self.runtime = str(info["name"]), runtime
        self.size = (int(info["input_size"][0]), int(info["input_size"][1]))
        self.strides = [int(s[0]) for s in info["strides"]]
        self.pad = float(info.get("pad_value", 114.0))
        self.bgr = info.get("channels", "BGR") == "BGR"
        self.cfg = info["test_cfg"]
        self.score_thr, self.nms_thr = score_thr, nms_thr

    def candidates(self, outputs: list[np.ndarray], i: int, scale: np.ndarray) -> np.ndarray:
        """Head outputs of image ``i`` -> mmdet's person boxes [k, 5] in frame pixels."""
        levels = len(self.strides)
        thr = min(float(self.cfg["score_thr"]), self.score_thr)
        found = []
        for level, stride in enumerate(self.strides):
            logits = outputs[level][i, PERSON_CLASS].reshape(-1)  # [h * w]
            dist = outputs[levels + level][i].reshape(4, -1).T  # [h * w, 4] l, t, r, b
            width = outputs[level].shape[3]
            scores = 1.0 / (1.0 + np.exp(-logits))
            keep = np.flatnonzero(scores > thr)
            keep = keep[np.argsort(-scores[keep], kind="stable")[:int(self.cfg["nms_pre"])]]
            px = (keep % width).astype(np.float32) * stride
            py = (keep // width).astype(np.float32) * stride
            d = dist[keep]
            boxes = np.stack([px - d[:, 0], py - d[:, 1], px + d[:, 2], py + d[:, 3]], axis=1)
            boxes[:, 0::2] = boxes[:, 0::2].clip(0, self.size[1])
            boxes[:, 1::2] = boxes[:, 1::2].clip(0, self.size[0])
            found.append(np.concatenate([boxes / scale, scores[keep, None]], axis=1))
        boxes = np.concatenate(found).astype(np.float32)
        kept = nms(boxes, float(self.cfg["iou_threshold"]))[:int(self.cfg["max_per_img"])]
        return boxes[kept]

    def __call__(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        """RGB uint8 [H, W, 3] frames -> per frame person boxes [n, 5], best first."""
        if not frames:
            return []
        images, scales = [], []
        for frame in frames:
            image, scale = letterbox(frame[..., ::-1] if self.bgr else frame, self.size,
                                     self.pad)
            images.append(image)
            scales.append(scale)
        outputs = self.session.run({"image": np.ascontiguousarray(np.stack(images))})
        return [filter_people(self.candidates(outputs, i, scales[i]),
                              self.score_thr, self.nms_thr) for i in range(len(frames))]


def exported_detector(name: str, weights: str | None, runtime: str, score_thr: float,
                      nms_thr: float, random_init: bool = False) -> ExportedDetector:
    """The detector ``name`` in ``runtime``: the export given as ``weights``, else its export
    from the model cache (written now from the mmdet model when absent)."""
    from heatgait.config.stage1 import DETECTOR_MODELS
    from heatgait.errors import UsageError

    if is_export(weights):
        path = Path(str(weights))
    else:
        from heatgait.extract.detection.export import export_detector
        from heatgait.extract.detection.mmdet import MMDetDetector

        path = export_path("detector", name, weights, random_init)
        if not path.is_file():
            export_detector(MMDetDetector.from_name(name, weights=weights, device="cpu",
                                                    random_init=random_init), path)
    detector = ExportedDetector(path, runtime, score_thr, nms_thr)
    if name in DETECTOR_MODELS and detector.name != name:
        raise UsageError(f"--det-weights {weights} is an export of {detector.name}, not of "
                         f"--det {name}: give --det {detector.name} or that model's export")
    return detector
