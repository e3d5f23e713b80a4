"""The person detector of stage 1 -> ONNX: the raw head only (``--det rtmdet-person|tiny``).

Per level class scores and box distances of an image [n, 3, h, w] float32 0..255 (BGR, as
mmdet's preprocessor is configured); decoding and NMS stay host work (``predict()`` with NMS
does not export). The spatial size is the config's test scale, recorded in the metadata.
"""

from __future__ import annotations

from pathlib import Path

from heatgait.extract.runtimes.onnxwrite import write_onnx
from heatgait.extract.runtimes.openmmlab import export_graph


def export_detector(name: str, weights: str | None, out: str | Path,
                    random_init: bool = False) -> Path:
    """An mmdet RTMDet detector (``--det``) -> ONNX raw head at ``out`` (see the module doc)."""
    import torch

    from heatgait.extract.detection.mmdet import MMDetDetector

    detector = MMDetDetector.from_name(name, weights=weights, device="cpu",
                                       random_init=random_init)
    mm = detector.model.float().to("cpu").eval()
    pre = mm.data_preprocessor
    module = export_graph(mm, pre.mean.flatten().tolist(), pre.std.flatten().tolist(), "detector")
    strides = [list(s) for s in mm.bbox_head.prior_generator.strides]
    pipeline = mm.cfg.get("test_dataloader", {}).get("dataset", {}).get("pipeline", [])
    scale = next((tuple(t["scale"]) for t in pipeline if "Resize" in str(t.get("type"))
                  and t.get("scale")), (640, 640))  # the config's test scale (w, h)
    example = torch.rand(2, 3, scale[1], scale[0], generator=torch.Generator().manual_seed(0)) * 255
    outputs = [f"scores_{i}" for i in range(len(strides))]
    outputs += [f"boxes_{i}" for i in range(len(strides))]
    metadata = {"detector": {"name": name, "input": "BGR image [n, 3, h, w] float32 0..255, "
                             "h and w multiples of 32", "strides": strides,
                             "input_size": [scale[1], scale[0]],
                             "outputs": "per level class scores (logits) and box distances "
                             "(l, t, r, b) x stride; decode and NMS on the host"}}
    return write_onnx(module, (example,), out, kind="detector", metadata=metadata,
                      input_names=["image"], output_names=outputs,
                      dynamic_shapes={"x": {0: torch.export.Dim("batch", min=1)}})
