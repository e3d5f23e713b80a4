"""One way to load a trained model for inference: checkpoint -> :class:`InferenceModel`.

Every consumer of a trained model (``eval``, ``gallery add``, ``gallery calibrate``,
``identify``, and an export) loads it here, so a stored sequence gets one embedding whoever asks.
From the checkpoint's own recipe (the one the network was trained with) it takes:

- the network: the recipe's ``model`` section built and loaded with the weights, in eval mode
  on the device;
- the input: the heatmap kind (``data.heatmaps``: the stored maps, or maps redrawn from the
  stored keypoints: regenerated as in Table 4, or rendered as a keypoint import draws them),
  the per-sequence min-max normalisation (``data.normalize``) and the frame cap (``data.max_test_frames``), applied as training fed
  the network: workers read and ship the stored maps (:meth:`InferenceModel.dataset`), and
  :meth:`InferenceModel.model_input` finishes them on the device;
- the precision: ``auto`` is fp16 autocast on CUDA (eval's rule since the start), fp32 on the
  CPU;
- the fingerprint (heatgait.training.fingerprint) of all that.

An export traces :attr:`InferenceModel.model` (the network alone: model input and lengths ->
fusion embeddings) and records :meth:`InferenceModel.input_contract`, which says what a
runtime must do to a stored sequence before the network, and the fingerprint.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from heatgait.config import Recipe
from heatgait.config.schema import HeatmapKind
from heatgait.data.dataset import TestSequences, collate_stored_sequences
from heatgait.data.model_input import to_model_input


@dataclass
class InferenceModel:
    """A trained network ready to embed stored sequences, with its test-time input settings."""

    model: nn.Module  # eval mode, on ``device``: (model input, lengths) -> [n, c, p]
    device: torch.device
    precision: str = "fp32"  # resolved: fp32, fp16 or bf16 (autocast)
    heatmaps: HeatmapKind = "raw"
    normalize: bool = True
    max_frames: int | None = None
    batch_size: int = 4  # sequences per forward unless a call says otherwise
    num_workers: int = 0
    recipe: Recipe | None = None  # the checkpoint's own recipe (None: a bare network)
    fingerprint: dict[str, Any] = field(default_factory=dict)
    checkpoint: dict[str, Any] = field(default_factory=dict)  # path, variant, iteration, ...

    @classmethod
    def wrap(cls, model: nn.Module, device: str | torch.device = "cpu", *,
             precision: str = "auto", heatmaps: HeatmapKind = "raw", normalize: bool = True,
             max_frames: int | None = None) -> InferenceModel:
        """A bare network (no checkpoint: tests, benchmarks) with the settings given."""
        from heatgait.extract.pose.accel import resolve_precision

        device = torch.device(device)
        return cls(model=model.to(device).eval(), device=device,
                   precision=resolve_precision(precision, device.type), heatmaps=heatmaps,
                   normalize=normalize, max_frames=max_frames)

    def dataset(self, shards: Any, indices: Sequence[int]) -> TestSequences:
        """The sequences ``indices`` of ``shards`` (a ShardSet) as the workers ship them."""
        return TestSequences(shards, indices, normalize=self.normalize,
                             max_frames=self.max_frames, ship_stored=True,
                             heatmaps=self.heatmaps)

    def model_input(self, stored: torch.Tensor, scaling: torch.Tensor,
                    lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """A collated batch as stored -> (network input [n, t, 17, 64, 48] float32, lengths)
        on the device."""
        cuda = self.device.type == "cuda"
        lengths = lengths.to(self.device, non_blocking=cuda)
        return to_model_input(stored.to(self.device, non_blocking=cuda),
                              scaling.to(self.device, non_blocking=cuda), lengths), lengths

    def embed_batch(self, stored: torch.Tensor, scaling: torch.Tensor,
                    lengths: torch.Tensor) -> torch.Tensor:
        """Fusion embeddings [n, c, p] float32 (on the device) of a collated stored batch."""
        from heatgait.extract.pose.accel import torch_dtype

        autocast = (nullcontext() if self.precision == "fp32" else
                    torch.autocast(self.device.type, dtype=torch_dtype(self.precision)))
        with torch.inference_mode(), autocast:
            heatmaps, lengths = self.model_input(stored, scaling, lengths)
            return self.model(heatmaps, lengths=lengths).float()

    def embed(self, shards: Any, indices: Sequence[int], *, batch_size: int | None = None,
              num_workers: int | None = None, progress: bool = False) -> np.ndarray:
        """Embeddings [n, c, p] float32 of the sequences ``indices`` of ``shards``, in order."""
        indices = list(indices)
        if not indices:
            return np.empty((0, 0, 0), dtype=np.float32)
        cuda = self.device.type == "cuda"
        loader = DataLoader(self.dataset(shards, indices), batch_size=batch_size or
                            self.batch_size, shuffle=False,
                            num_workers=self.num_workers if num_workers is None else num_workers,
                            collate_fn=collate_stored_sequences, pin_memory=cuda,
                            persistent_workers=False)
        batches: Any = loader
        if progress:
            from tqdm import tqdm

            batches = tqdm(loader, desc="embedding", unit="batch", total=len(loader))
        outputs: list[np.ndarray] = []
        order: list[np.ndarray] = []
        for stored, scaling, lengths, items in batches:  # [n, t, 17, 64, 48], [n, 4], [n], [n]
            outputs.append(self.embed_batch(stored, scaling, lengths).cpu().numpy())
            order.append(items.numpy())
        return np.concatenate(outputs)[np.argsort(np.concatenate(order))]

    def input_contract(self) -> dict[str, Any]:
        """What a runtime does to a stored sequence before :attr:`model` (export metadata)."""
        return {"input": "heatmaps [n, t, 17, 64, 48] float32 and lengths [n] int64",
                "heatmaps": self.heatmaps, "normalize": self.normalize,
                "max_frames": self.max_frames or 0, "output": "fusion embeddings [n, c, p]"}


def inference_model(state: dict[str, Any], device: str = "auto", precision: str = "auto",
                    batch_size: int | None = None,
                    num_workers: int | None = None) -> InferenceModel:
    """A checkpoint already loaded (``load_checkpoint``) made ready for inference."""
    from heatgait.config import recipe_from_dict
    from heatgait.devices import resolve_device
    from heatgait.models.factory import build_model
    from heatgait.training.fingerprint import fingerprint_state

    trained = recipe_from_dict(state["recipe"], f"checkpoint {state['path']}")
    model = build_model(trained.model, len(state["label_map"]))
    model.load_state_dict(state["model"])
    ready = InferenceModel.wrap(model, resolve_device(device), precision=precision,
                                heatmaps=trained.data.heatmaps, normalize=trained.data.normalize,
                                max_frames=trained.data.max_test_frames or None)
    ready.batch_size = batch_size or trained.data.test_batch_size
    ready.num_workers = trained.data.num_workers if num_workers is None else num_workers
    ready.recipe = trained
    ready.fingerprint = fingerprint_state(state)
    ready.checkpoint = {k: state.get(k) for k in ("path", "variant", "iteration", "dataset",
                                                  "code")}
    return ready


def load_inference_model(checkpoint: str | Path, device: str = "auto",
                         precision: str = "auto", batch_size: int | None = None,
                         num_workers: int | None = None) -> InferenceModel:
    """Loads a checkpoint (file or run folder) ready for inference (see the module doc)."""
    from heatgait.training.checkpoint import load_checkpoint

    return inference_model(load_checkpoint(checkpoint), device, precision, batch_size,
                           num_workers)
