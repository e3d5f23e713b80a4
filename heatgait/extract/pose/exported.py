"""The pose network from a heatgait ONNX export, run in onnxruntime or OpenVINO.

The same contract as the mmpose backend (``backends.PoseBackend``): RGB crops -> heatmaps
clipped to [0, 1] and the keypoints read off them by the one decoder of all shards. Flip test,
when the exported model's config asks for it (the export's metadata says), runs the mirrored
crops in the same batch and flips their maps back as mmpose does in heatmap mode (mirror,
swap left and right joints, optionally shift one pixel). Needs neither torch nor mmcv.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from heatgait.data.keypoints import decode_keypoints
from heatgait.extract.runtimes.onnxfile import open_model


def flip_back(heatmaps: np.ndarray, flip_indices: list[int], shift: bool) -> np.ndarray:
    """Maps of mirrored crops [B, K, H, W] -> maps of the crops (mmpose's heatmap flip)."""
    out = heatmaps[:, flip_indices, :, ::-1].copy()
    if shift:
        out[..., 1:] = out[..., :-1].copy()
    return out


class ExportedPoseBackend:
    """A heatgait pose export (``heatgait export --pose``) in ``runtime`` (onnx, openvino)."""

    def __init__(self, path: str | Path, runtime: str = "onnx", precision: str = "fp32",
                 threads: int | None = None) -> None:
        self.session = open_model(path, runtime, kind="pose", precision=precision,
                                  threads=threads)
        info = self.session.metadata["pose"]
        self.name = str(info["name"])
        self.runtime, self.precision = runtime, precision
        self.input_size = (int(info["input_size"][0]), int(info["input_size"][1]))
        self.flip_test = bool(info["flip_test"])
        self._flip_indices = list(info["flip_indices"])
        self._shift = bool(info["shift_heatmap"])

    def heatmaps(self, crops: np.ndarray) -> np.ndarray:
        """crops [B, h, w, 3] uint8 RGB -> raw heatmaps [B, 17, h/4, w/4] float32."""
        x = np.ascontiguousarray(crops.transpose(0, 3, 1, 2), dtype=np.float32)
        if not self.flip_test:
            return self.session.run({"crops": x})[0]
        both = self.session.run({"crops": np.concatenate([x, x[..., ::-1]])})[0]
        n = len(x)
        return (both[:n] + flip_back(both[n:], self._flip_indices, self._shift)) * 0.5

    def __call__(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        heatmaps = np.clip(self.heatmaps(crops), 0.0, 1.0)
        return heatmaps, decode_keypoints(heatmaps)
