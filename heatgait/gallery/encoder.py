"""The checkpoint that turns tracks into embeddings, and its fingerprint.

The fingerprint is a sha256 over everything that decides an embedding: the model variant and
the recipe's model section, the test-time input settings (``data.normalize``,
``data.max_test_frames``) and every weight tensor (name, dtype, shape, bytes). Two checkpoints
with equal fingerprints embed alike; a gallery records its own and refuses any other.

Embedding reuses the evaluator's path (``heatgait.evaluation.embed.embed_sequences``), so a
sequence gets the same embedding in a gallery as in ``heatgait eval``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from heatgait.errors import HeatgaitError


def fingerprint_state(state: dict[str, Any]) -> dict[str, Any]:
    """The fingerprint (a JSON-ready dict) of a loaded heatgait checkpoint."""
    import torch

    recipe = state.get("recipe") or {}
    data = recipe.get("data") or {}
    settings = {"variant": state.get("variant"), "model": recipe.get("model"),
                "normalize": data.get("normalize"), "max_test_frames": data.get("max_test_frames")}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    for name in sorted(state["model"]):
        tensor = state["model"][name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return {"digest": digest.hexdigest(), "variant": state.get("variant"),
            "iteration": int(state.get("iteration", 0)), "checkpoint": str(state.get("path", "")),
            "dataset": state.get("dataset", "")}


@dataclass
class Encoder:
    """A loaded model with the settings its training used at test time."""

    model: Any  # torch.nn.Module, eval mode
    fingerprint: dict[str, Any]
    normalize: bool
    max_frames: int | None
    device: Any  # torch.device
    batch_size: int = 4
    num_workers: int = 0

    def embed(self, shards: Any, indices: Sequence[int], progress: bool = False) -> np.ndarray:
        """Embeddings [n, c, p] of the sequences ``indices`` of ``shards`` (a ShardSet)."""
        from heatgait.evaluation.embed import embed_sequences

        if not len(indices):
            return np.empty((0, 0, 0), dtype=np.float32)
        embeddings, *_ = embed_sequences(self.model, shards, list(indices), self.device,
                                         batch_size=self.batch_size,
                                         num_workers=self.num_workers, normalize=self.normalize,
                                         max_frames=self.max_frames, progress=progress)
        return embeddings


def load_encoder(checkpoint: str | Path, device: str = "auto", batch_size: int | None = None,
                 num_workers: int | None = None) -> Encoder:
    """Loads a checkpoint (file or run folder) for embedding."""
    from heatgait.config import recipe_from_dict
    from heatgait.devices import resolve_device
    from heatgait.models.factory import build_model
    from heatgait.training.checkpoint import load_checkpoint

    state = load_checkpoint(checkpoint)
    trained = recipe_from_dict(state["recipe"], f"checkpoint {state['path']}")
    model = build_model(trained.model, len(state["label_map"]))
    model.load_state_dict(state["model"])
    fingerprint = fingerprint_state(state)
    path = Path(state["path"]).resolve()
    fingerprint["checkpoint"] = str(path)
    # a run's latest.pt is overwritten by further training: remember its iter-NNNNNN.pt twin
    twin = path.with_name(f"iter-{fingerprint['iteration']:06d}.pt")
    fingerprint["paths"] = [str(p) for p in (twin, path) if p.is_file() and
                            (p == path or path.name == "latest.pt")]
    return Encoder(model=model.eval(), fingerprint=fingerprint,
                   normalize=trained.data.normalize,
                   max_frames=trained.data.max_test_frames or None,
                   device=resolve_device(device),
                   batch_size=batch_size or trained.data.test_batch_size,
                   num_workers=trained.data.num_workers if num_workers is None else num_workers)


def load_gallery_encoder(fingerprint: dict[str, Any], checkpoint: str | Path | None = None,
                         device: str = "auto", gallery: str = "") -> Encoder:
    """The gallery's own model: ``checkpoint`` when given, else where the gallery recorded it;
    either way its fingerprint must be the gallery's."""
    from heatgait.gallery.gallery import describe_model

    tried = [str(checkpoint)] if checkpoint else list(fingerprint.get("paths") or
                                                       [fingerprint.get("checkpoint", "")])
    for path in tried:
        if not path or not Path(path).exists():
            continue
        encoder = load_encoder(path, device)
        if encoder.fingerprint["digest"] == fingerprint["digest"]:
            return encoder
        if checkpoint:
            raise HeatgaitError(f"gallery {gallery} holds embeddings of "
                                f"{describe_model(fingerprint)}; {describe_model(encoder.fingerprint)}"
                                " is another model: give --checkpoint the gallery's checkpoint")
    raise HeatgaitError(f"gallery {gallery}: its model {describe_model(fingerprint)} is not at "
                        f"{', '.join(tried) or '?'} any more (moved or retrained): give "
                        "--checkpoint PATH to that checkpoint")
