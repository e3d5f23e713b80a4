"""Training data for one run: split -> labelled sequences -> P x K batches -> DataLoader.

Resumption needs the data to be a function of (seed, iteration, rank), never of a worker's
RNG state or of how far the loader had prefetched. So the batch sampler tags every item with
its iteration and position (:class:`TaggedBatches`), and heatgait.data's TrainingSequences
draws a tagged sample's frames from ``default_rng([seed, iteration, rank, position])``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader

from heatgait.config.schema import HeatmapKind
from heatgait.data.dataset import Tag, TrainingSequences, subject_label_map
from heatgait.data.sampler import PKBatchSampler
from heatgait.data.shardset import ShardSet
from heatgait.data.splits import load_split
from heatgait.errors import HeatgaitError


@dataclass
class TrainingSet:
    """The training sequences of a shard set under a split, and their labels."""

    shards: ShardSet
    indices: list[int]  # positions in ``shards`` of the training sequences
    labels: list[int]  # class of each of ``indices``
    label_map: dict[str, int]  # subject -> class
    dataset_warning: str = ""  # the recipe's data set is not the shards' (dataset_mismatch)

    @property
    def datasets(self) -> list[str]:
        """The data set names the training sequences' shards record (sorted, blanks left out)."""
        return sorted({self.shards.sequences[i].dataset for i in self.indices} - {""})


def dataset_mismatch(recipe_dataset: str, train: TrainingSet) -> str:
    """One line when the recipe's data set is not the one the training shards record, else "".

    A run is filed (checkpoint ``dataset``/``code``, ``report``) under the recipe's data set,
    so training a CASIA-B recipe on, say, imported OU-MVLP keypoints must not pass unseen.
    """
    found = train.datasets
    if not recipe_dataset or not found or [d.lower() for d in found] == [recipe_dataset.lower()]:
        return ""
    return (f"the recipe is for {recipe_dataset} but the training shards are "
            f"{', '.join(found)}; the run is filed under {recipe_dataset}: use that data set's "
            "recipe (or --set data.dataset=NAME data.code=CODE) if this is not what you meant")


def select_training(shards: ShardSet, split_path: str | Path,
                    label_map: dict[str, int] | None = None, recipe_dataset: str = ""
                    ) -> TrainingSet:
    """Training sequences: those whose subject is in the split's TRAIN_SET.

    ``label_map`` (from a checkpoint being resumed) must cover exactly the subjects found;
    ``recipe_dataset`` is checked against the shards' (``dataset_warning``).
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
    train = TrainingSet(shards=shards, indices=indices, labels=labels, label_map=label_map)
    train.dataset_warning = dataset_mismatch(recipe_dataset, train)
    return train


class TaggedBatches:
    """Batches of (iteration, position, training item) tags for iterations ``start`` .. ``end-1``.

    The P x K sampler is stateless per step (batch ``s`` is a function of (seed, epoch, s)), so
    iteration ``i`` always gets batch ``i`` however far the loader prefetches.
    """

    def __init__(self, sampler: PKBatchSampler, start: int, end: int):
        self.sampler, self.start, self.end = sampler, start, end

    def __len__(self) -> int:
        return self.end - self.start

    def __iter__(self) -> Iterator[list[Tag]]:
        for iteration in range(self.start, self.end):
            batch = self.sampler.local_batch(iteration)  # positions in the training set
            yield [(iteration, pos, i) for pos, i in enumerate(batch)]

    def state_at(self, iteration: int) -> dict[str, Any]:
        """Sampler state that resumes at ``iteration`` (stored in checkpoints)."""
        return {**self.sampler.state_dict(), "step": iteration}


def make_loader(train: TrainingSet, *, p: int, k: int, frames: int, normalize: bool, seed: int,
                rank: int, world_size: int, start: int, end: int, num_workers: int,
                pin_memory: bool, sampler_state: dict[str, Any] | None = None,
                ship_stored: bool = True, heatmaps: HeatmapKind = "raw"
                ) -> tuple[DataLoader, TaggedBatches]:
    """A DataLoader of batches for iterations ``start`` .. ``end - 1``, ``n`` = this rank's
    share of the P x K batch.

    A batch is a :class:`~heatgait.data.model_input.StoredHeatmaps` (heatmaps [n, frames, 17,
    64, 48] in the shards' dtype, scaling [n, 4], labels [n]) that the training loop finishes on
    its device with ``to_model_input``; ``ship_stored=False`` gives the older (float32
    heatmaps [n, frames, 17, 64, 48] normalised in the workers, labels [n]) batches instead.
    ``pin_memory`` (for CUDA) lets the loop copy batches with ``non_blocking=True``.
    """
    sampler = PKBatchSampler(train.labels, p=p, k=k, seed=seed, rank=rank, world_size=world_size)
    if sampler_state is not None:
        sampler.load_state_dict(sampler_state)
    batches = TaggedBatches(sampler, start, end)
    dataset = TrainingSequences(train.shards, train.indices, train.label_map, frames=frames,
                                normalize=normalize, seed=seed, rank=rank, labels=train.labels,
                                ship_stored=ship_stored, heatmaps=heatmaps)
    loader = DataLoader(
        dataset, batch_sampler=batches, num_workers=num_workers, pin_memory=pin_memory,
        persistent_workers=num_workers > 0, generator=torch.Generator().manual_seed(seed),
    )
    return loader, batches
