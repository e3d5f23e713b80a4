"""The person detector of stage 1 -> ONNX: the raw head only (``--det rtmdet-person|tiny``).

Per level class scores and box distances of an image [n, 3, h, w] float32 0..255 (in the
channel order the model's preprocessor hands its backbone, BGR for RTMDet); decoding and NMS stay host work (``predict()`` with NMS
does not export). The spatial size is the config's test scale, recorded in the metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heatgait.extract.runtimes.onnxwrite import write_onnx
from heatgait.extract.runtimes.openmmlab import export_graph


def export_detector(detector: Any, out: str | Path) -> Path:
    """An ``MMDetDetector`` (``detection.mmdet``) -> ONNX raw head at ``out`` (module doc)."""
    import torch

    name = detector.name
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
    # the preprocessor's channel swap is left out of the graph: feed what it would have fed
    order = "RGB" if getattr(pre, "_channel_conversion", False) else "BGR"
    metadata = {"detector": {"name": name, "input": f"{order} image [n, 3, h, w] float32 "
                             "0..255, resized to input_size", "strides": strides,
                             "channels": order,
                             "input_size": [scale[1], scale[0]], "pad_value": next(
                                 (float(t["pad_val"]["img"][0]) for t in pipeline
                                  if t.get("type") == "Pad" and "pad_val" in t), 114.0),
                             "test_cfg": {k: v for k, v in dict(mm.test_cfg).items()
                                          if k != "nms"} | {"iou_threshold": float(
                                              mm.test_cfg["nms"]["iou_threshold"])},
                             "outputs": "per level class scores (logits) and box distances "
                             "(l, t, r, b) x stride; decode and NMS on the host"}}
    return write_onnx(module, (example,), out, kind="detector", metadata=metadata,
                      input_names=["image"], output_names=outputs,
                      dynamic_shapes={"x": {0: torch.export.Dim("batch", min=1)}})
