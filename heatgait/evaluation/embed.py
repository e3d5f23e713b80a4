"""Test embeddings: every frame of every test sequence through the network, and their files.

``embed_sequences`` runs a model loaded by ``heatgait.training.inference`` (the one loader of
eval, the gallery and identify): whole sequences of different lengths batched (zero-padded,
with their lengths passed to the model so padding never enters the temporal max), shipped
from the workers as stored (uint8 / float16), finished on the device with the training loop's
``to_model_input``, run under ``torch.inference_mode`` (autocast to float16 on CUDA), and
returns the fusion embeddings with the sequences' labels. ``save_embeddings`` /
``load_embeddings`` keep them in a ``.npz`` so a protocol can be re-scored, or another
protocol tried, without the network (they live in :mod:`heatgait.evaluation.embedfile`,
which needs no torch, and are re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from heatgait.config.schema import HeatmapKind
from heatgait.data.shardset import ShardSet
from heatgait.data.splits import load_split
from heatgait.errors import UsageError
from heatgait.evaluation.embedfile import EMBEDDING_KEYS, load_embeddings, save_embeddings
from heatgait.training.inference import InferenceModel

__all__ = ["EMBEDDING_KEYS", "embed_sequences", "load_embeddings", "save_embeddings",
           "select_test_sequences"]


def select_test_sequences(shards: ShardSet, split_path: str | Path) -> list[int]:
    """Positions of the shard sequences whose subject is in the split's TEST_SET."""
    test = set(load_split(split_path).test)
    indices = [i for i, info in enumerate(shards.sequences) if info.subject in test]
    if not indices:
        found = sorted({info.subject for info in shards.sequences})
        raise UsageError(f"the shards hold no subject of the test split {split_path} "
                         f"({len(test)} ids, e.g. {sorted(test)[:3]}); shard subjects: "
                         f"{found[:5]}{' ...' if len(found) > 5 else ''}; point --data at the "
                         "test shards or use the matching --pipeline")
    return indices


def embed_sequences(model: torch.nn.Module | InferenceModel, shards: ShardSet,
                    indices: Sequence[int], device: str | torch.device = "cpu",
                    batch_size: int = 4, num_workers: int = 0, normalize: bool = True,
                    max_frames: int | None = None, progress: bool = False,
                    heatmaps: HeatmapKind = "raw"
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(embeddings [n, c, p] float32, labels [n], types [n], views [n]) of ``indices``.

    ``model``: a checkpoint loaded by ``heatgait.training.inference`` (its device, precision
    and input settings are the checkpoint's own, and ``device``, ``normalize``, ``max_frames``
    and ``heatmaps`` here are not used), or a bare network run with them.
    """
    if not isinstance(model, InferenceModel):
        model = InferenceModel.wrap(model, device, normalize=normalize, max_frames=max_frames,
                                    heatmaps=heatmaps)
    embeddings = model.embed(shards, indices, batch_size=batch_size, num_workers=num_workers,
                             progress=progress)
    infos = [shards.sequences[i] for i in indices]
    return (embeddings, np.asarray([s.subject for s in infos]),
            np.asarray([s.type for s in infos]), np.asarray([s.view for s in infos]))
