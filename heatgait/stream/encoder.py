"""The network split for streams: per-frame features, then the head on their max over time.

GaitHeat pools over time only in its heads (``heatgait.models.heads.set_pooling``, a max over
frames before horizontal pooling, the FCs and the BNNeck); everything before it acts on each
frame alone (``GaitHeat.encode_frames``). So a track's embedding is
``head(max over its frames of encode(frame))``: each new frame goes through the encoder once,
and the head runs on a max of features already computed.

Every model call of a stream goes through :class:`FrameEncoder`, so another runtime (an
exported model) only has to provide these two calls. This one runs the torch network of
:class:`heatgait.training.inference.InferenceModel` with its device and precision.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import torch

from heatgait.data.model_input import to_model_input
from heatgait.errors import UsageError
from heatgait.training.inference import InferenceModel


class FrameEncoder:
    """``encode``: stored frames -> per-frame fusion features; ``embed``: pooled features ->
    the evaluation embedding (fusion BNNeck feature, L2-normalised per part)."""

    def __init__(self, model: InferenceModel) -> None:
        network = model.model
        if not hasattr(network, "encode_frames") or not hasattr(network, "fusion_embedding"):
            raise UsageError(f"{type(network).__name__} has no per-frame encoder; streaming "
                             "needs a GaitHeat network (heatgait.models.gaitheat)")
        if model.heatmaps != "raw":
            raise UsageError(f"this model was trained on heatmaps {model.heatmaps!r} (redrawn "
                             "from keypoints over the whole sequence); streaming needs a model "
                             "trained on the pose model's own heatmaps (data.heatmaps raw)")
        self.inference = model
        self.network = network
        self.device = model.device

    def _autocast(self):
        from heatgait.extract.pose.accel import torch_dtype

        precision = self.inference.precision
        return (nullcontext() if precision == "fp32" else
                torch.autocast(self.device.type, dtype=torch_dtype(precision)))

    def encode(self, stored: np.ndarray, scaling: np.ndarray) -> torch.Tensor:
        """stored [n, 17, 64, 48] (the shard's dtype) and each frame's (scale, low, span,
        squared) [n, 4] -> fusion features [n, C, h', w'] float32 on the device.

        Each frame is finished as a one-frame sample with its track's scaling, exactly as
        ``to_model_input`` finishes a stored sequence."""
        frames = torch.from_numpy(np.ascontiguousarray(stored)).to(self.device)[:, None]
        scale = torch.from_numpy(np.ascontiguousarray(scaling, dtype=np.float32))
        with torch.inference_mode(), self._autocast():
            x = to_model_input(frames, scale.to(self.device))[:, 0]  # [n, 17, 64, 48]
            _, fused = self.network.encode_frames(x)
            return fused.float()

    def embed(self, pooled: torch.Tensor) -> np.ndarray:
        """Max-pooled features [m, C, h', w'] -> embeddings [m, D, P] float32 (numpy)."""
        with torch.inference_mode(), self._autocast():
            return self.network.fusion_embedding(pooled[:, None]).float().cpu().numpy()
