"""A trained GaitHeat embedder -> ONNX, as the single inference loader builds it.

The network exported is :attr:`InferenceModel.model` of ``heatgait.training.inference``, the
one every consumer (eval, gallery, identify) runs, on the CPU in fp32: (heatmaps [n, t, 17, 64,
48] float32, lengths [n] int64) -> fusion embeddings [n, c, p], with n and t dynamic. What a
runtime must do to a stored sequence before it (heatmap kind, min-max normalisation, frame
cap) is :meth:`InferenceModel.input_contract`, recorded in the metadata beside the recipe and
the fingerprint, so a consumer checks an export against the run or gallery it serves.

Per frame (``heatgait export RUN --per-frame``, for ``identify --stream --runtime``): the
network split as ``heatgait.stream.encoder`` runs it, two files beside the export path:
``NAME.frames.onnx`` (normalised heatmap frames [n, 17, 64, 48] -> fusion features [n, C, h',
w'], n dynamic) and ``NAME.head.onnx`` (features max-pooled over a window [m, C, h', w'] ->
embeddings [m, c, p], m dynamic), both with the same metadata as the whole-sequence export.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from heatgait.extract.runtimes.onnxwrite import write_onnx

if TYPE_CHECKING:
    from heatgait.training.inference import InferenceModel

INPUTS = ["heatmaps", "lengths"]
OUTPUTS = ["embeddings"]
PER_FRAME_KINDS = {"frames": "frame-encoder", "head": "frame-head"}


def per_frame_paths(out: str | Path) -> dict[str, Path]:
    """``X.onnx`` -> {"frames": ``X.frames.onnx``, "head": ``X.head.onnx``}."""
    out = Path(out)
    return {part: out.with_suffix(f".{part}.onnx") for part in PER_FRAME_KINDS}


def _metadata(model: InferenceModel) -> dict:
    from heatgait.config import recipe_to_dict

    return {"recipe": recipe_to_dict(model.recipe) if model.recipe is not None else None,
            "fingerprint": model.fingerprint, "input_contract": model.input_contract(),
            "checkpoint": model.checkpoint}


def export_embedder(model: InferenceModel, out: str | Path) -> Path:
    """Writes ``model`` (loaded by ``load_inference_model``) to ``out`` with its metadata."""
    import torch

    net = model.model.to("cpu").float().eval()
    # sizes >= 2 on the dynamic axes (torch.export specialises 0 and 1), lengths below t
    heatmaps = torch.rand(2, 3, 17, 64, 48, generator=torch.Generator().manual_seed(0)) ** 4
    lengths = torch.tensor([3, 2], dtype=torch.int64)
    batch, frames = torch.export.Dim("batch", min=1), torch.export.Dim("frames", min=1)
    return write_onnx(net, (heatmaps,), out, kwargs={"lengths": lengths}, kind="embedder",
                      metadata=_metadata(model), input_names=INPUTS, output_names=OUTPUTS,
                      dynamic_shapes={"x": {0: batch, 1: frames}, "lengths": {0: batch}})


def export_per_frame(model: InferenceModel, out: str | Path) -> dict[str, Path]:
    """Writes ``model``'s per-frame encoder and its head (module doc) beside ``out``."""
    import torch
    from torch import nn

    net = model.model.to("cpu").float().eval()
    if not hasattr(net, "encode_frames") or not hasattr(net, "fusion_embedding"):
        from heatgait.errors import UsageError

        raise UsageError(f"{type(net).__name__} has no per-frame encoder; --per-frame needs a "
                         "GaitHeat network (heatgait.models.gaitheat)")

    class Frames(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return net.encode_frames(x)[1]

    class Head(nn.Module):
        def forward(self, pooled: torch.Tensor) -> torch.Tensor:
            return net.fusion_embedding(pooled[:, None])

    frames = torch.rand(2, 17, 64, 48, generator=torch.Generator().manual_seed(0)) ** 4
    with torch.no_grad():
        pooled = Frames()(frames)
    paths = per_frame_paths(out)
    metadata = _metadata(model)
    write_onnx(Frames(), (frames,), paths["frames"], kind=PER_FRAME_KINDS["frames"],
               metadata=metadata, input_names=["frames"], output_names=["features"],
               dynamic_shapes={"x": {0: torch.export.Dim("frames", min=1)}})
    write_onnx(Head(), (pooled,), paths["head"], kind=PER_FRAME_KINDS["head"],
               metadata=metadata, input_names=["pooled"], output_names=["embeddings"],
               dynamic_shapes={"pooled": {0: torch.export.Dim("windows", min=1)}})
    return paths
