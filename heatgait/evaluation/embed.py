"""Test embeddings: every frame of every test sequence through the network, and their files.

``embed_sequences`` batches whole sequences of different lengths (zero-padded, with their
lengths passed to the model so padding never enters the temporal max), ships them from the
workers as stored (uint8 / float16), normalises them on the device with the training loop's
``to_model_input``, runs the model under ``torch.inference_mode`` (autocast to float16 on
CUDA) and returns the fusion embeddings with the sequences' labels. ``save_embeddings`` /
``load_embeddings`` keep them in a ``.npz`` so a protocol can be re-scored, or another
protocol tried, without the network (they live in :mod:`heatgait.evaluation.embedfile`,
which needs no torch, and are re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from heatgait.config.schema import HeatmapKind
from heatgait.data.dataset import TestSequences, collate_stored_sequences
from heatgait.data.model_input import to_model_input
from heatgait.data.shardset import ShardSet
from heatgait.data.splits import load_split
from heatgait.errors import UsageError
from heatgait.evaluation.embedfile import EMBEDDING_KEYS, load_embeddings, save_embeddings

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


def embed_sequences(model: torch.nn.Module, shards: ShardSet, indices: Sequence[int],
                    device: str | torch.device = "cpu", batch_size: int = 4,
                    num_workers: int = 0, normalize: bool = True, max_frames: int | None = None,
                    progress: bool = False, heatmaps: HeatmapKind = "raw"
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(embeddings [n, c, p] float32, labels [n], types [n], views [n]) of ``indices``."""
    device = torch.device(device)
    dataset = TestSequences(shards, indices, normalize=normalize, max_frames=max_frames,
                            ship_stored=True, heatmaps=heatmaps)
    cuda = device.type == "cuda"
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers,
                        collate_fn=collate_stored_sequences, pin_memory=cuda,
                        persistent_workers=False)
    model = model.to(device).eval()
    outputs: list[np.ndarray] = []
    order: list[np.ndarray] = []
    batches = loader
    if progress:
        from tqdm import tqdm

        batches = tqdm(loader, desc="embedding", unit="batch", total=len(loader))
    with torch.inference_mode(), torch.autocast(device.type, dtype=torch.float16,
                                                enabled=device.type == "cuda"):
        for stored, scaling, lengths, items in batches:  # [n, t, 17, 64, 48], [n, 3], [n], [n]
            lengths = lengths.to(device, non_blocking=cuda)
            heatmaps = to_model_input(stored.to(device, non_blocking=cuda),
                                      scaling.to(device, non_blocking=cuda), lengths)
            out = model(heatmaps, lengths=lengths)
            outputs.append(out.float().cpu().numpy())  # [n, c, p]
            order.append(items.numpy())
    embeddings = np.concatenate(outputs)[np.argsort(np.concatenate(order))]
    infos = [shards.sequences[i] for i in indices]
    return (embeddings, np.asarray([s.subject for s in infos]),
            np.asarray([s.type for s in infos]), np.asarray([s.view for s in infos]))
