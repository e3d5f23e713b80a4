"""A trained GaitHeat embedder -> ONNX, as the single inference loader builds it.

The network exported is :attr:`InferenceModel.model` of ``heatgait.training.inference``, the
one every consumer (eval, gallery, identify) runs, on the CPU in fp32: (heatmaps [n, t, 17, 64,
48] float32, lengths [n] int64) -> fusion embeddings [n, c, p], with n and t dynamic. What a
runtime must do to a stored sequence before it (heatmap kind, min-max normalisation, frame
cap) is :meth:`InferenceModel.input_contract`, recorded in the metadata beside the recipe and
the fingerprint, so a consumer checks an export against the run or gallery it serves.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from heatgait.extract.runtimes.onnxwrite import write_onnx

if TYPE_CHECKING:
    from heatgait.training.inference import InferenceModel

INPUTS = ["heatmaps", "lengths"]
OUTPUTS = ["embeddings"]


def export_embedder(model: InferenceModel, out: str | Path) -> Path:
    """Writes ``model`` (loaded by ``load_inference_model``) to ``out`` with its metadata."""
    import torch

    from heatgait.config import recipe_to_dict

    net = model.model.to("cpu").float().eval()
    # sizes >= 2 on the dynamic axes (torch.export specialises 0 and 1), lengths below t
    heatmaps = torch.rand(2, 3, 17, 64, 48, generator=torch.Generator().manual_seed(0)) ** 4
    lengths = torch.tensor([3, 2], dtype=torch.int64)
    batch, frames = torch.export.Dim("batch", min=1), torch.export.Dim("frames", min=1)
    metadata = {"recipe": recipe_to_dict(model.recipe) if model.recipe is not None else None,
                "fingerprint": model.fingerprint, "input_contract": model.input_contract(),
                "checkpoint": model.checkpoint}
    return write_onnx(net, (heatmaps,), out, kwargs={"lengths": lengths}, kind="embedder",
                      metadata=metadata, input_names=INPUTS, output_names=OUTPUTS,
                      dynamic_shapes={"x": {0: batch, 1: frames}, "lengths": {0: batch}})
