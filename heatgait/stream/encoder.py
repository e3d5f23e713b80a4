"""The network split for streams: per-frame features, then the head on their max over time.

GaitHeat pools over time only in its heads (``heatgait.models.heads.set_pooling``, a max over
frames before horizontal pooling, the FCs and the BNNeck); everything before it acts on each
frame alone (``GaitHeat.encode_frames``). So a track's embedding is
``head(max over its frames of encode(frame))``: each new frame goes through the encoder once,
and the head runs on a max of features already computed.

Every model call of a stream goes through a frame encoder's two calls, ``encode`` and
``embed``. :class:`FrameEncoder` runs the torch network of
:class:`heatgait.training.inference.InferenceModel` with its device and precision;
:class:`ExportedFrameEncoder` runs the two files of ``heatgait export RUN --per-frame`` in
onnxruntime or OpenVINO (``identify --stream --runtime onnx|openvino``). Both finish stored
frames into network input with the same ``to_model_input``, on the host.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch

from heatgait.data.model_input import to_model_input
from heatgait.errors import HeatgaitError, UsageError
from heatgait.training.inference import InferenceModel


def check_streamable(heatmaps: str) -> None:
    if heatmaps != "raw":
        raise UsageError(f"this model was trained on heatmaps {heatmaps!r} (redrawn from "
                         "keypoints over the whole sequence); streaming needs a model trained "
                         "on the pose model's own heatmaps (data.heatmaps raw)")


def frames_input(stored: np.ndarray, scaling: np.ndarray, device: torch.device) -> torch.Tensor:
    """stored [n, 17, 64, 48] (the shard's dtype) and each frame's (scale, low, span, squared)
    [n, 4] -> network input [n, 17, 64, 48] float32 on ``device``: each frame finished as a
    one-frame sample with its track's scaling, exactly as ``to_model_input`` finishes a stored
    sequence."""
    frames = torch.from_numpy(np.ascontiguousarray(stored)).to(device)[:, None]
    scale = torch.from_numpy(np.ascontiguousarray(scaling, dtype=np.float32))
    return to_model_input(frames, scale.to(device))[:, 0]


class FrameEncoder:
    """``encode``: stored frames -> per-frame fusion features; ``embed``: pooled features ->
    the evaluation embedding (fusion BNNeck feature, L2-normalised per part)."""

    def __init__(self, model: InferenceModel) -> None:
        network = model.model
        if not hasattr(network, "encode_frames") or not hasattr(network, "fusion_embedding"):
            raise UsageError(f"{type(network).__name__} has no per-frame encoder; streaming "
                             "needs a GaitHeat network (heatgait.models.gaitheat)")
        check_streamable(model.heatmaps)
        self.inference = model
        self.network = network
        self.device = model.device
        self.recipe, self.max_frames = model.recipe, model.max_frames
        self.normalize = model.normalize

    def _autocast(self):
        from heatgait.extract.pose.accel import torch_dtype

        precision = self.inference.precision
        return (nullcontext() if precision == "fp32" else
                torch.autocast(self.device.type, dtype=torch_dtype(precision)))

    def encode(self, stored: np.ndarray, scaling: np.ndarray) -> torch.Tensor:
        """stored frames and their scaling (:func:`frames_input`) -> fusion features
        [n, C, h', w'] float32 on the device."""
        with torch.inference_mode(), self._autocast():
            _, fused = self.network.encode_frames(frames_input(stored, scaling, self.device))
            return fused.float()

    def embed(self, pooled: torch.Tensor) -> np.ndarray:
        """Max-pooled features [m, C, h', w'] -> embeddings [m, D, P] float32 (numpy)."""
        with torch.inference_mode(), self._autocast():
            return self.network.fusion_embedding(pooled[:, None]).float().cpu().numpy()


class ExportedFrameEncoder:
    """:class:`FrameEncoder`'s two calls on a per-frame export (``NAME.frames.onnx`` and
    ``NAME.head.onnx``) in ``runtime``; on the CPU, in fp32."""

    def __init__(self, frames: Any, head: Any, metadata: dict[str, Any]) -> None:
        from heatgait.config import recipe_from_dict

        contract = metadata["input_contract"]
        check_streamable(contract["heatmaps"])
        self.frames, self.head = frames, head
        self.device = torch.device("cpu")
        self.normalize = bool(contract["normalize"])
        self.max_frames = contract["max_frames"] or None
        self.recipe = recipe_from_dict(metadata["recipe"], "per-frame export") \
            if metadata.get("recipe") else None

    def encode(self, stored: np.ndarray, scaling: np.ndarray) -> torch.Tensor:
        """As :meth:`FrameEncoder.encode`, features on the CPU."""
        x = frames_input(stored, scaling, self.device)
        return torch.from_numpy(self.frames.run({"frames": x.numpy()})[0])

    def embed(self, pooled: torch.Tensor) -> np.ndarray:
        """As :meth:`FrameEncoder.embed`."""
        return self.head.run({"pooled": pooled.detach().float().cpu().numpy()})[0]


def load_exported_frame_encoder(path: str | Path, runtime: str, *,
                                expect: dict[str, Any] | None = None,
                                against: str = "") -> ExportedFrameEncoder:
    """The per-frame export of ``path`` (``X.onnx``, or ``X.frames.onnx`` itself) in
    ``runtime``, both files checked to be of the fingerprint ``expect`` (of ``against``)."""
    from heatgait.extract.runtimes.onnxfile import open_model
    from heatgait.training.export import PER_FRAME_KINDS, per_frame_paths
    from heatgait.training.exported import check_export_of
    from heatgait.training.fingerprint import compare

    path = Path(path)
    base = path.with_suffix("").with_suffix(".onnx") if path.name.endswith(".frames.onnx") \
        else path
    paths = per_frame_paths(base)
    for part, file in paths.items():
        if not file.is_file():
            raise UsageError(f"--stream --runtime {runtime}: no per-frame export {file}; write "
                             f"it with heatgait export RUN --per-frame --out {base}")
    sessions = {part: open_model(file, runtime, kind=PER_FRAME_KINDS[part])
                for part, file in paths.items()}
    prints = {part: dict(s.metadata.get("fingerprint") or {}) for part, s in sessions.items()}
    if compare(prints["frames"], prints["head"]) != "same":
        raise HeatgaitError(f"{paths['frames']} and {paths['head']} are exports of different "
                            "models; write both again with heatgait export RUN --per-frame")
    check_export_of(paths["frames"], prints["frames"], expect, against,
                    write="heatgait export RUN --per-frame")
    return ExportedFrameEncoder(sessions["frames"], sessions["head"],
                                sessions["frames"].metadata)
