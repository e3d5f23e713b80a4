"""The top-down pose network of stage 1 -> ONNX (the detector's: ``detection.export``).

Pose (``--pose hrnet|vitpose[-b|-l|-h]``): the graph is normalisation + backbone + head, RGB
crops [n, 3, 256, 192] float32 in 0..255 -> raw heatmaps [n, 17, 64, 48], n dynamic. Flip test
stays outside the graph: the metadata says whether the model's config asks for it and how
(``extract.pose.exported`` runs the flipped crops in the same batch and flips the maps back).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heatgait.errors import UsageError
from heatgait.extract.runtimes.onnxwrite import write_onnx
from heatgait.extract.runtimes.openmmlab import export_graph


def export_pose(backend: Any, out: str | Path) -> Path:
    """An ``MMPoseBackend`` (``extract.pose.mmpose``) -> ONNX pose model at ``out``."""
    import torch

    from heatgait.extract.pose.mmpose import COCO_FLIP_INDICES

    if backend.flip_test and backend._flip_mode != "heatmap":
        raise UsageError(f"--pose {backend.name}: flip mode {backend._flip_mode!r} is not "
                         "supported outside the graph (heatmap flip only)")
    module = export_graph(backend.model.float().to("cpu").eval(), backend._mean.flatten().tolist(),
                    backend._std.flatten().tolist(), "pose")
    h, w = backend.input_size
    example = torch.rand(2, 3, h, w, generator=torch.Generator().manual_seed(0)) * 255
    metadata = {"pose": {"name": backend.name, "input_size": [h, w], "input": "RGB crops "
                         "[n, 3, h, w] float32 0..255", "flip_test": backend.flip_test,
                         "flip_mode": backend._flip_mode, "shift_heatmap": backend._shift,
                         "flip_indices": COCO_FLIP_INDICES, "output": "heatmaps [n, 17, h/4, "
                         "w/4] float32 (raw: clip to [0, 1] as stage 1 does)"}}
    return write_onnx(module, (example,), out, kind="pose", metadata=metadata,
                      input_names=["crops"], output_names=["heatmaps"],
                      dynamic_shapes={"x": {0: torch.export.Dim("batch", min=1)}})
