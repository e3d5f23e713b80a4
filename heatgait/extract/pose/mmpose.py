"""The paper's pose models through OpenMMLab: mmpose top-down HRNet / ViTPose heatmaps.

Models are built from the config files shipped inside the mmpose wheel (``.mim``, found by
``runtimes.openmmlab``), so ``--pose hrnet`` is exactly mmpose's HRNet-W32 256x192 COCO model.
We do not call
``inference_topdown`` per frame: the pose network runs batched on our own RGB crops and we keep
the head's raw heatmaps (flip-averaged when the config's ``test_cfg`` asks for flip test, as
mmpose's own inference does); keypoints are only read off them as side data, by the one decoder
of all shards (``heatgait.data.keypoints``). The person detector is ``detection.mmdet``; the
model names and their config files are in ``heatgait.config.stage1``.

Weights: ``--pose-weights`` / ``--det-weights``, else the URL of the config's entry in the
package's metafile, downloaded by mmengine where the internet is reachable. ``random_init``
builds untrained models (tests, benchmarks). The pose forward runs under ``torch.autocast`` in
the precision of ``accel.resolve_precision`` (fp16 on CUDA by default) and always hands back
float32 heatmaps; ``auto_batch`` sizes its batches from free CUDA memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from heatgait.config.stage1 import POSE_MODELS
from heatgait.data.keypoints import decode_keypoints
from heatgait.errors import UsageError
from heatgait.extract.pose.accel import (
    DEFAULT_BATCH,
    batch_from_memory,
    resolve_precision,
    torch_dtype,
)
from heatgait.extract.runtimes.openmmlab import (
    load_weights,
    metafile_weights,
    packaged_config,
    require,
)

COCO_FLIP_INDICES = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]


class MMPoseBackend:
    """An mmpose top-down heatmap model run batched on 256x192 RGB crops."""

    def __init__(self, config: str | Path, weights: str | None = None, device: str = "cpu",
                 random_init: bool = False, name: str | None = None, precision: str = "auto"):
        require("mmpose")
        import torch
        from mmengine.config import Config
        from mmpose.apis import init_model

        cfg = Config.fromfile(str(config))
        cfg.model.backbone.init_cfg = None  # no ImageNet download for the backbone
        self.model = init_model(cfg, None, device=device)
        if random_init:
            self.model.init_weights()
        else:
            load_weights(self.model, weights, metafile_weights(Path(config)), "--pose-weights",
                          f"pose model {Path(config).name}")
        self.model.eval()
        self.name = name or Path(config).stem
        self.device = torch.device(device)
        self.precision = resolve_precision(precision, self.device.type)
        self._batch: int | None = None  # auto_batch's answer, measured once
        w, h = cfg.codec.input_size  # mmpose writes (w, h)
        self.input_size = (int(h), int(w))
        preprocessor = cfg.model.data_preprocessor  # mean/std given in RGB order
        self._mean = torch.tensor(preprocessor.mean, device=self.device).view(1, 3, 1, 1)
        self._std = torch.tensor(preprocessor.std, device=self.device).view(1, 3, 1, 1)
        test_cfg = cfg.model.get("test_cfg", {}) or {}
        self.flip_test = bool(test_cfg.get("flip_test", False))
        self._flip_mode = test_cfg.get("flip_mode", "heatmap")
        self._shift = bool(test_cfg.get("shift_heatmap", False))

    @classmethod
    def from_name(cls, name: str, weights: str | None = None, device: str = "cpu",
                  random_init: bool = False, precision: str = "auto") -> MMPoseBackend:
        if name in POSE_MODELS:
            return cls(packaged_config("mmpose", POSE_MODELS[name].config), weights, device,
                       random_init, name=name, precision=precision)
        if not Path(name).is_file():
            raise UsageError(f"--pose {name}: no such mmpose config file")
        return cls(name, weights, device, random_init, precision=precision)

    def heatmaps(self, crops: np.ndarray):
        """crops [B, h, w, 3] uint8 RGB -> raw head output [B, 17, H/4, W/4] (float32 torch)."""
        import torch
        from mmpose.models.utils.tta import flip_heatmaps

        x = torch.from_numpy(np.ascontiguousarray(crops)).to(self.device)
        x = (x.permute(0, 3, 1, 2).float() - self._mean) / self._std  # [b, 3, 256, 192]
        with torch.inference_mode(), torch.autocast(self.device.type,
                                                    dtype=torch_dtype(self.precision),
                                                    enabled=self.precision != "fp32"):
            out = self.model.head.forward(self.model.extract_feat(x)).float()
            if self.flip_test:
                flipped = self.model.head.forward(self.model.extract_feat(x.flip(-1))).float()
                out = (out + flip_heatmaps(flipped, flip_mode=self._flip_mode,
                                           flip_indices=COCO_FLIP_INDICES,
                                           shift_heatmap=self._shift)) * 0.5
        return out

    def auto_batch(self, probe: int = 4) -> int:
        """Crops per pass from free CUDA memory (one probe forward, measured once); on the CPU
        :data:`~heatgait.extract.pose.accel.DEFAULT_BATCH`, as memory there is not the limit."""
        import torch

        if self.device.type != "cuda" or not torch.cuda.is_available():
            return DEFAULT_BATCH
        if self._batch is None:
            h, w = self.input_size
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            before = torch.cuda.memory_allocated(self.device)
            self.heatmaps(np.zeros((probe, h, w, 3), np.uint8))
            torch.cuda.synchronize(self.device)
            per_crop = (torch.cuda.max_memory_allocated(self.device) - before) / probe
            free, _ = torch.cuda.mem_get_info(self.device)
            cached = torch.cuda.memory_reserved(self.device) - torch.cuda.memory_allocated(
                self.device)  # held by torch's allocator but unused: ours to reuse
            self._batch = batch_from_memory(free + cached, per_crop)
        return self._batch

    def __call__(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raw = self.heatmaps(crops).cpu().numpy()  # [b, 17, 64, 48] float32
        heatmaps = np.clip(raw, 0.0, 1.0)
        return heatmaps, decode_keypoints(heatmaps)
