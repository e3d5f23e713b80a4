"""PyTorch datasets over shards: random 30-frame training samples and whole test sequences.

Min-max normalisation (DESIGN 4) maps a sequence's heatmaps to [0, 1] with its own minimum
and maximum. A training sample reads only its 30 sampled frames, so it is normalised over
those frames (reading the whole sequence to find its extremes would cost ~3x the I/O; the
stored values are already in [0, 1], so both give nearly the same scale). Test sequences are
read whole and normalised over all their frames, as the authors did.

With ``ship_stored=True`` both datasets return the heatmaps as stored (uint8 / float16) with
the sample's decode and min-max scaling, and :func:`heatgait.data.model_input.to_model_input`
finishes them on the device, bit for bit as here (the training loader and evaluation do this:
a quarter of float32's bytes go through the workers' shared memory, the pinned buffers and
the host-to-GPU copy).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset, get_worker_info

from heatgait.config.schema import HeatmapKind
from heatgait.data.model_input import StoredHeatmaps, StoredSequences, stored_scaling
from heatgait.data.regenerate import regenerate_heatmaps
from heatgait.data.render import render_pose_model
from heatgait.data.schema import decode_heatmaps
from heatgait.data.shardset import ShardSet


def subject_label_map(subjects: Iterable[str]) -> dict[str, int]:
    """Subject id -> class label 0..n-1, in sorted id order."""
    return {subject: label for label, subject in enumerate(sorted(set(subjects)))}


def min_max_normalize(heatmaps: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Scale [t, ...] to [0, 1] by its own min and max (all zeros when it is constant)."""
    low, high = float(heatmaps.min()), float(heatmaps.max())
    if high - low < eps:
        return np.zeros_like(heatmaps)
    return (heatmaps - low) / (high - low)


Tag = tuple[int, int, int]  # (step, slot in the batch, item): a sample of a given step


def read_sample(shards: ShardSet, index: int, positions: np.ndarray,
                kind: HeatmapKind = "raw") -> np.ndarray:
    """Frames at ``positions`` (any order, repeats allowed) of a sequence, in that order:
    [t, 17, 64, 48] as stored (``raw``), or redrawn from the shard's keypoints as float32
    (``regenerated``, Table 4's ablation, heatgait.data.regenerate; ``rendered``, the UDP
    Gaussians of a keypoint import, heatgait.data.render: bit for bit what the import stored
    before its 8-bit encoding, so keypoint data sets need not store maps)."""
    positions = np.asarray(positions, dtype=np.int64)
    if kind == "regenerated":
        return regenerate_heatmaps(shards.read_keypoints(index), positions)
    if kind == "rendered":
        return render_pose_model(shards.read_keypoints(index)[positions])
    order = np.argsort(positions, kind="stable")  # read in file order, then put back
    stored = shards.read_stored(index, positions[order])
    out = np.empty_like(stored)
    out[order] = stored
    return out


class TrainingSequences(Dataset):
    """item -> (heatmaps [frames, 17, 64, 48] float32, label): frames drawn unordered at random.

    ``ship_stored``: item -> :class:`StoredHeatmaps` (the stored dtype and the scaling that
    decodes and normalises it) instead, the same sample once through ``to_model_input``.

    Sequences with fewer frames than ``frames`` are sampled with replacement. An ``int`` item
    draws from a per-process stream (``seed`` mixed with torch's per-worker seed). A
    :data:`Tag` item ``(step, slot, item)`` draws from ``default_rng([seed, step, rank, slot])``,
    so a sample is a function of where it sits in training, never of a worker's state or of
    how far the loader prefetched: what makes an interrupted run resume exactly.
    """

    def __init__(self, shards: ShardSet, indices: Sequence[int], label_of_subject: dict[str, int],
                 frames: int = 30, normalize: bool = True, seed: int = 0, rank: int = 0,
                 labels: Sequence[int] | None = None, ship_stored: bool = False,
                 heatmaps: HeatmapKind = "raw"):
        self.shards = shards
        self.indices = list(indices)
        self.frames = frames
        self.heatmaps = heatmaps
        self.normalize = normalize
        self.ship_stored = ship_stored
        self.seed = seed
        self.rank = rank
        # explicit labels (one per index) win: e.g. a shuffled-label control run
        self.labels = list(labels) if labels is not None else [
            label_of_subject[shards.sequences[i].subject] for i in self.indices]
        self._rng: np.random.Generator | None = None
        self._rng_pid = -1

    def __len__(self) -> int:
        return len(self.indices)

    def _generator(self) -> np.random.Generator:
        if self._rng is None or self._rng_pid != os.getpid():
            worker = get_worker_info()
            worker_seed = worker.seed if worker is not None else torch.initial_seed()
            self._rng = np.random.default_rng([self.seed, worker_seed % 2**63])
            self._rng_pid = os.getpid()
        return self._rng

    def sample_positions(self, num_frames: int, rng: np.random.Generator | None = None
                         ) -> np.ndarray:
        """Frame positions of one sample, unordered (with replacement only when too short)."""
        rng = rng or self._generator()
        return rng.choice(num_frames, size=self.frames, replace=num_frames < self.frames)

    def __getitem__(self, item: int | Tag) -> tuple[torch.Tensor, int] | StoredHeatmaps:
        rng = None
        if isinstance(item, tuple):
            step, slot, item = item
            rng = np.random.default_rng([self.seed, step, self.rank, slot])
        index = self.indices[item]
        picks = self.sample_positions(self.shards.sequences[index].num_frames, rng)
        stored = read_sample(self.shards, index, picks, self.heatmaps)  # [frames, 17, 64, 48]
        storage = self.shards.storage(index)
        if self.ship_stored:
            scaling = stored_scaling(stored, self.normalize, storage)
            return StoredHeatmaps(torch.from_numpy(stored), torch.from_numpy(scaling),
                                  self.labels[item])
        heatmaps = decode_heatmaps(stored, storage)
        if self.normalize:
            heatmaps = min_max_normalize(heatmaps)
        return torch.from_numpy(np.ascontiguousarray(heatmaps)), self.labels[item]


class TestSequences(Dataset):
    """item -> (heatmaps [T, 17, 64, 48] float32, item): every frame of a sequence.

    ``max_frames`` caps memory for very long sequences by keeping that many evenly spaced
    frames (the model pools over time, so an even spread keeps the whole gait cycle).
    ``ship_stored``: item -> StoredHeatmaps(heatmaps as stored, scaling, item), batched by
    :func:`collate_stored_sequences` and finished by ``to_model_input`` on the device.
    """

    __test__ = False  # not a pytest class despite its name

    def __init__(self, shards: ShardSet, indices: Sequence[int], normalize: bool = True,
                 max_frames: int | None = None, ship_stored: bool = False,
                 heatmaps: HeatmapKind = "raw"):
        self.shards = shards
        self.indices = list(indices)
        self.normalize = normalize
        self.max_frames = max_frames
        self.ship_stored = ship_stored
        self.heatmaps = heatmaps

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, item: int) -> tuple[torch.Tensor, int] | StoredHeatmaps:
        index = self.indices[item]
        total = self.shards.sequences[index].num_frames
        positions = None
        if self.max_frames is not None and total > self.max_frames:
            positions = np.unique(np.linspace(0, total - 1, self.max_frames).round().astype(int))
        if positions is None:
            positions = np.arange(total)
        stored = read_sample(self.shards, index, positions, self.heatmaps)  # [T, 17, 64, 48]
        storage = self.shards.storage(index)
        if self.ship_stored:
            scaling = stored_scaling(stored, self.normalize, storage)
            return StoredHeatmaps(torch.from_numpy(stored), torch.from_numpy(scaling), item)
        heatmaps = decode_heatmaps(stored, storage)
        if self.normalize:
            heatmaps = min_max_normalize(heatmaps)
        return torch.from_numpy(heatmaps), item


def collate_variable_length(batch: Sequence[tuple[torch.Tensor, int]]
                            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Zero-pad test sequences: (padded [n, t_max, 17, 64, 48], lengths [n], items [n])."""
    lengths = torch.tensor([len(heatmaps) for heatmaps, _ in batch], dtype=torch.long)
    padded = torch.zeros((len(batch), int(lengths.max()), *batch[0][0].shape[1:]),
                         dtype=batch[0][0].dtype)
    for row, (heatmaps, _) in enumerate(batch):
        padded[row, : len(heatmaps)] = heatmaps
    items = torch.tensor([item for _, item in batch], dtype=torch.long)
    return padded, lengths, items


def collate_stored_sequences(batch: Sequence[StoredHeatmaps]) -> StoredSequences:
    """Zero-pad stored test sequences: heatmaps [n, t_max, 17, 64, 48], scaling [n, 4],
    lengths [n], items [n] (``to_model_input`` keeps the padding at zero)."""
    padded, lengths, items = collate_variable_length(
        [(sample.heatmaps, sample.label) for sample in batch])
    scaling = torch.stack([sample.scaling for sample in batch])
    return StoredSequences(padded, scaling, lengths, items)
