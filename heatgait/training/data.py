"""Training data for one run: split -> labelled sequences -> P x K batches -> DataLoader.

Resumption needs the data to be a function of (seed, iteration, rank), never of a worker's
RNG state or of how far the loader had prefetched. So the batch sampler tags every index with
its iteration and position (:class:`TaggedBatches`), the dataset draws each sample's frames
from ``numpy.random.default_rng([seed, iteration, rank, position])``
(:class:`SeededSequences`); heatgait.data's TrainingSequences draws from a per-worker
stream instead, which a resumed run could not reproduce.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from heatgait.data.dataset import min_max_normalize, subject_label_map
from heatgait.data.sampler import PKBatchSampler
from heatgait.data.schema import HEATMAP_SHAPE
from heatgait.data.shardset import ShardSet
from heatgait.data.splits import load_split
from heatgait.errors import HeatgaitError

Tag = tuple[int, int, int]  # (iteration, position in the batch, sequence index)


@dataclass
class TrainingSet:
    """The training sequences of a shard set under a split, and their labels."""

    shards: ShardSet
    indices: list[int]  # positions in ``shards`` of the training sequences
    labels: list[int]  # class of each of ``indices``
    label_map: dict[str, int]  # subject -> class


def select_training(shards: ShardSet, split_path: str | Path,
                    label_map: dict[str, int] | None = None) -> TrainingSet:
    """Training sequences: those whose subject is in the split's TRAIN_SET.

    ``label_map`` (from a checkpoint being resumed) must cover exactly the subjects found.
    """
    split = load_split(split_path)
    train = set(split.train)
    indices = [i for i, s in enumerate(shards.sequences) if s.subject in train]
    if not indices:
        found = sorted({s.subject for s in shards.sequences})
        raise HeatgaitError(
            f"no training subjects of split {split_path} in the shards ({len(shards)} sequences, "
            f"subjects {', '.join(found[:5])}{' ...' if len(found) > 5 else ''}); pass the "
            "shards of this data set or a recipe whose split matches them")
    subjects = sorted({shards.sequences[i].subject for i in indices})
    if label_map is None:
        label_map = subject_label_map(subjects)
    elif sorted(label_map) != subjects:
        missing = sorted(set(label_map) - set(subjects))[:3]
        extra = sorted(set(subjects) - set(label_map))[:3]
        raise HeatgaitError(
            f"the checkpoint was trained on {len(label_map)} subjects, the shards hold "
            f"{len(subjects)} training subjects (missing {missing}, new {extra}); resume with the "
            "same shards or start a new run")
    labels = [label_map[shards.sequences[i].subject] for i in indices]
    return TrainingSet(shards=shards, indices=indices, labels=labels, label_map=label_map)


class SeededSequences(Dataset):
    """Item (iteration, position, index) -> (heatmaps [frames, 17, 64, 48] float32, label).

    Frames are drawn unordered, without replacement when the sequence is long enough (with
    replacement otherwise), from an RNG seeded by (seed, iteration, rank, position); min-max
    normalisation runs over the sampled frames (DESIGN.md 4, as heatgait.data's datasets do).
    """

    def __init__(self, train: TrainingSet, frames: int, normalize: bool, seed: int, rank: int):
        self.shards = train.shards
        self.label_of = dict(zip(train.indices, train.labels))
        self.frames, self.normalize, self.seed, self.rank = frames, normalize, seed, rank

    def __len__(self) -> int:
        return len(self.label_of)

    def __getitem__(self, tag: Tag) -> tuple[torch.Tensor, int]:
        iteration, position, index = tag
        rng = np.random.default_rng([self.seed, iteration, self.rank, position])
        total = self.shards.sequences[index].num_frames
        replace = total < self.frames
        picks = rng.choice(total, size=self.frames, replace=replace)  # unordered
        order = np.argsort(picks, kind="stable")
        heatmaps = np.empty((self.frames, *HEATMAP_SHAPE), dtype=np.float32)
        heatmaps[order] = self.shards.read(index, picks[order])  # [frames, 17, 64, 48]
        if self.normalize:
            heatmaps = min_max_normalize(heatmaps)
        return torch.from_numpy(np.ascontiguousarray(heatmaps)), self.label_of[index]


class TaggedBatches:
    """Batches of (iteration, position, shard index) tags for iterations ``start`` .. ``end-1``.

    The P x K sampler is stateless per step (batch ``s`` is a function of (seed, epoch, s)), so
    iteration ``i`` always gets batch ``i`` however far the loader prefetches.
    """

    def __init__(self, sampler: PKBatchSampler, indices: list[int], start: int, end: int):
        self.sampler, self.indices, self.start, self.end = sampler, indices, start, end

    def __len__(self) -> int:
        return self.end - self.start

    def __iter__(self) -> Iterator[list[Tag]]:
        for iteration in range(self.start, self.end):
            batch = self.sampler.local_batch(iteration)  # positions in the training set
            yield [(iteration, pos, self.indices[i]) for pos, i in enumerate(batch)]

    def state_at(self, iteration: int) -> dict[str, Any]:
        """Sampler state that resumes at ``iteration`` (stored in checkpoints)."""
        return {**self.sampler.state_dict(), "step": iteration}


def make_loader(train: TrainingSet, *, p: int, k: int, frames: int, normalize: bool, seed: int,
                rank: int, world_size: int, start: int, end: int, num_workers: int,
                pin_memory: bool, sampler_state: dict[str, Any] | None = None,
                ) -> tuple[DataLoader, TaggedBatches]:
    """A DataLoader of (heatmaps [n, frames, 17, 64, 48], labels [n]) for iterations
    ``start`` .. ``end - 1``; ``n`` = this rank's share of the P x K batch."""
    sampler = PKBatchSampler(train.labels, p=p, k=k, seed=seed, rank=rank, world_size=world_size)
    if sampler_state is not None:
        sampler.load_state_dict(sampler_state)
    batches = TaggedBatches(sampler, train.indices, start, end)
    dataset = SeededSequences(train, frames, normalize, seed, rank)
    loader = DataLoader(
        dataset, batch_sampler=batches, num_workers=num_workers, pin_memory=pin_memory,
        persistent_workers=num_workers > 0, generator=torch.Generator().manual_seed(seed),
    )
    return loader, batches
