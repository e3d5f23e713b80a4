"""Test embeddings: every frame of every test sequence through the network, and their files.

``embed_sequences`` runs a model loaded by ``heatgait.training.inference`` (the one loader of
eval, the gallery and identify): whole sequences of different lengths batched (zero-padded,
with their lengths passed to the model so padding never enters the temporal max), shipped
from the workers as stored (uint8 / float16), finished on the device with the training loop's
``to_model_input``, run under ``torch.inference_mode`` (autocast to float16 on CUDA), and
returns the fusion embeddings with the sequences' labels. ``save_embeddings`` /
``load_embeddings`` keep them in a ``.npz`` so a protocol can be re-scored, or another
protocol tried, without the network.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from heatgait.config.schema import HeatmapKind
from heatgait.data.shardset import ShardSet
from heatgait.data.splits import load_split
from heatgait.errors import UsageError
from heatgait.training.inference import InferenceModel

EMBEDDING_KEYS = ("embeddings", "labels", "types", "views")


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


def save_embeddings(path: str | Path, embeddings: np.ndarray, labels: Sequence[str],
                    types: Sequence[str], views: Sequence[str], **meta: str) -> Path:
    """Writes the four arrays (plus text ``meta`` such as the checkpoint) to a ``.npz``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = {f"meta_{k}": np.asarray(str(v)) for k, v in meta.items()}
    with open(path, "wb") as handle:  # a handle keeps numpy from appending ".npz"
        np.savez(handle, embeddings=np.asarray(embeddings, dtype=np.float32),
                 labels=np.asarray(labels).astype(str), types=np.asarray(types).astype(str),
                 views=np.asarray(views).astype(str), **extra)
    return path


def load_embeddings(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Reads a ``.npz`` with embeddings, labels, types and views (all of one length)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in EMBEDDING_KEYS if k not in data.files]
            if missing:
                raise UsageError(f"{path}: no array {missing[0]!r}; an embeddings file holds "
                                 f"{', '.join(EMBEDDING_KEYS)} (write one with --save-embeddings)")
            arrays = tuple(data[k] for k in EMBEDDING_KEYS)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such embeddings file") from None
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise UsageError(f"{path}: not a readable .npz ({error}); write one with "
                         "--save-embeddings") from None
    lengths = {k: len(a) for k, a in zip(EMBEDDING_KEYS, arrays)}
    if len(set(lengths.values())) != 1:
        raise UsageError(f"{path}: arrays differ in length ("
                         + ", ".join(f"{k} {n}" for k, n in lengths.items()) + ")")
    return arrays  # type: ignore[return-value]
