"""An exported embedder (``heatgait export RUN``) loaded as an :class:`InferenceModel`.

The ONNX file runs in onnxruntime or OpenVINO behind a small ``nn.Module`` whose forward hands
the network input to the runtime, so every consumer of the inference loader (eval, gallery add,
identify, calibrate) embeds with it unchanged: the same workers, the same input finishing
(``InferenceModel.model_input``) under the export's recorded input contract. The model's
fingerprint is the one the export recorded; :func:`load_exported_model` refuses, in one line,
a file that is not an embedder export or whose fingerprint is not the one expected.

Where an export lives by default: beside its checkpoint, ``checkpoints/latest.pt`` ->
``checkpoints/latest.onnx`` (:func:`default_export_path`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from heatgait.errors import HeatgaitError, UsageError
from heatgait.training.fingerprint import compare
from heatgait.training.inference import InferenceModel


class RuntimeNetwork(nn.Module):
    """(heatmaps [n, t, 17, 64, 48], lengths [n]) -> embeddings [n, c, p], in a runtime."""

    def __init__(self, session: Any) -> None:
        super().__init__()
        self.session = session

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        n, t = x.shape[:2]
        if lengths is None:
            lengths = torch.full((n,), t, dtype=torch.int64)
        out = self.session.run({"heatmaps": x.detach().float().cpu().numpy(),
                                "lengths": lengths.detach().cpu().numpy().astype(np.int64)})
        return torch.from_numpy(out[0])


def default_export_path(checkpoint: str | Path) -> Path:
    """Where ``heatgait export RUN`` writes by default: the checkpoint file's ``.onnx`` twin."""
    path = Path(checkpoint)
    if path.suffix == ".onnx":
        return path
    from heatgait.training.checkpoint import find_checkpoint

    return find_checkpoint(path).with_suffix(".onnx")


def describe(fingerprint: dict[str, Any]) -> str:
    return (f"{fingerprint.get('checkpoint', '?')} (iteration {fingerprint.get('iteration', '?')}"
            f", fingerprint {str(fingerprint.get('digest', '?'))[:12]})")


def check_export_of(path: Path, fingerprint: dict[str, Any], expect: dict[str, Any] | None,
                    against: str = "", write: str = "heatgait export RUN --out FILE") -> None:
    """One-line refusal of an export (at ``path``, of ``fingerprint``) that is not of the
    model ``expect`` of ``against`` (a run or gallery); nothing to check when ``expect`` is
    None. ``write`` is the command that exports the right one."""
    if expect is not None and compare(expect, fingerprint) != "same":
        raise HeatgaitError(f"model file {path}: exported from {describe(fingerprint)}, not "
                            f"the model of {against or 'this run'} ({describe(expect)}); export "
                            f"that one: {write}")


def load_exported_model(path: str | Path, runtime: str, *,
                        expect: dict[str, Any] | None = None, against: str = "",
                        precision: str = "fp32", batch_size: int | None = None,
                        num_workers: int | None = None) -> InferenceModel:
    """The embedder export at ``path`` in ``runtime`` (onnx, openvino), checked against the
    fingerprint ``expect`` of ``against`` (a run or gallery named in the error) when given."""
    from heatgait.config import recipe_from_dict
    from heatgait.extract.runtimes.onnxfile import open_model

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"model file {path}: no such file; write it with heatgait export RUN "
                         f"--out {path}")
    session = open_model(path, runtime, kind="embedder", precision=precision)
    meta = session.metadata
    fingerprint = dict(meta.get("fingerprint") or {})
    check_export_of(path, fingerprint, expect, against)
    contract = meta["input_contract"]
    model = InferenceModel.wrap(RuntimeNetwork(session), "cpu", precision="fp32",
                                heatmaps=contract["heatmaps"], normalize=contract["normalize"],
                                max_frames=contract["max_frames"] or None)
    recipe = recipe_from_dict(meta["recipe"], f"model file {path}") if meta.get("recipe") \
        else None
    model.recipe = recipe
    model.batch_size = batch_size or (recipe.data.test_batch_size if recipe else 4)
    model.num_workers = (recipe.data.num_workers if recipe else 0) if num_workers is None \
        else num_workers
    model.fingerprint = fingerprint
    model.checkpoint = {**(meta.get("checkpoint") or {}), "model_file": str(path),
                        "runtime": runtime}
    return model
