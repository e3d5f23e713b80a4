"""The paper's person detector through OpenMMLab: mmdet RTMDet, person class only.

Built from the config files shipped inside the mmpose/mmdet wheels (``runtimes.openmmlab``).
The detector runs a whole chunk of frames through one ``test_step`` and ends with
``boxes.filter_people`` (score threshold, NMS). The names and config files are in
``heatgait.config.stage1``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from heatgait.config.stage1 import DETECTOR_MODELS
from heatgait.errors import UsageError
from heatgait.extract.detection.boxes import filter_people
from heatgait.extract.runtimes.openmmlab import (
    load_weights,
    metafile_weights,
    packaged_config,
    require,
)

PERSON_LABEL = 0


class MMDetDetector:
    """An mmdet detector run on a chunk of frames at once; keeps the person class."""

    def __init__(self, config: str | Path, weights: str | None = None, device: str = "cpu",
                 score_thr: float = 0.3, nms_thr: float = 0.3, random_init: bool = False,
                 fallback_url: str | None = None, name: str | None = None):
        require("mmdet")
        require("mmpose")
        from mmcv.transforms import Compose
        from mmdet.apis import init_detector
        from mmdet.utils import get_test_pipeline_cfg
        from mmengine.config import Config
        from mmpose.utils import adapt_mmdet_pipeline

        cfg = Config.fromfile(str(config))
        if cfg.model.get("backbone", {}).get("init_cfg") is not None:
            cfg.model.backbone.init_cfg = None
        test_cfg = cfg.model.get("test_cfg") or {}
        if "score_thr" in test_cfg:  # our threshold governs, also below the config's own
            test_cfg["score_thr"] = min(float(test_cfg["score_thr"]), score_thr)
        self.model = init_detector(cfg, None, device=device)
        if random_init:
            self.model.init_weights()
        else:
            load_weights(self.model, weights, metafile_weights(Path(config)) or fallback_url,
                          "--det-weights", f"detector {Path(config).name}")
        self.model.eval()
        cfg = adapt_mmdet_pipeline(self.model.cfg)
        pipeline = get_test_pipeline_cfg(cfg).copy()
        pipeline[0] = {"type": "mmdet.LoadImageFromNDArray"}
        self.pipeline = Compose(pipeline)
        self.score_thr, self.nms_thr = score_thr, nms_thr
        self.name = name or Path(config).stem

    @classmethod
    def from_name(cls, name: str, weights: str | None = None, device: str = "cpu",
                  score_thr: float = 0.3, nms_thr: float = 0.3,
                  random_init: bool = False) -> MMDetDetector:
        if name in DETECTOR_MODELS:
            model = DETECTOR_MODELS[name]
            return cls(packaged_config(model.package, model.config), weights, device, score_thr,
                       nms_thr, random_init, fallback_url=model.weights_url, name=name)
        if not Path(name).is_file():
            raise UsageError(f"--det {name}: no such mmdet config file")
        return cls(name, weights, device, score_thr, nms_thr, random_init)

    def __call__(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        import torch

        if not frames:
            return []
        data = [self.pipeline({"img": np.ascontiguousarray(f[..., ::-1]), "img_id": i})
                for i, f in enumerate(frames)]  # mmdet models take BGR
        batch = {"inputs": [d["inputs"] for d in data],
                 "data_samples": [d["data_samples"] for d in data]}
        with torch.inference_mode():
            results = self.model.test_step(batch)
        out = []
        for result in results:
            pred = result.pred_instances
            person = pred.labels == PERSON_LABEL
            boxes = torch.cat([pred.bboxes[person], pred.scores[person, None]], dim=1)
            boxes = boxes.float().cpu().numpy().reshape(-1, 5)  # [n, 5]
            out.append(filter_people(boxes, self.score_thr, self.nms_thr))
        return out
