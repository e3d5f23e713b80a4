"""Datasets and loading: 30-frame samples, test sequences, real DataLoader workers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from heatgait.data.dataset import (
    TestSequences,
    TrainingSequences,
    collate_variable_length,
    min_max_normalize,
    subject_label_map,
)
from heatgait.data.sampler import PKBatchSampler
from heatgait.data.shards import ShardSet


def test_subject_label_map_sorted() -> None:
    assert subject_label_map(["010", "002", "010", "005"]) == {"002": 0, "005": 1, "010": 2}


def test_min_max_normalize() -> None:
    x = np.array([[0.2, 0.4], [0.6, 0.2]], np.float32)
    np.testing.assert_allclose(min_max_normalize(x), [[0, 0.5], [1, 0]])
    assert not min_max_normalize(np.full((3, 2), 0.7, np.float32)).any()


def test_training_sample_draws_frames_of_the_sequence(shard_folder: Path) -> None:
    shards = ShardSet(shard_folder)
    labels = subject_label_map(s.subject for s in shards.sequences)
    data = TrainingSequences(shards, [0, 7], labels, frames=30, normalize=False, seed=5)
    assert data.labels == [0, 3]
    heatmaps, label = data[1]  # sequence of 13 frames: sampled with replacement
    assert heatmaps.shape == (30, 17, 64, 48) and heatmaps.dtype == torch.float32 and label == 3
    whole = shards.read(7)
    matches = [int(np.argmin([np.abs(frame - w).max() for w in whole])) for frame in heatmaps.numpy()]
    assert all(np.array_equal(heatmaps[i].numpy(), whole[m]) for i, m in enumerate(matches))
    assert len(set(matches)) > 5  # many different frames, unordered
    short = TrainingSequences(shards, [2], labels, frames=4, normalize=True)
    positions = short.sample_positions(9)
    assert len(set(positions.tolist())) == 4  # long enough: no repeats
    sample, _ = short[0]
    assert float(sample.min()) == 0.0 and float(sample.max()) == 1.0


def test_test_sequences_and_collate(shard_folder: Path) -> None:
    shards = ShardSet(shard_folder)
    data = TestSequences(shards, [0, 1, 7], normalize=False)
    padded, lengths, items = collate_variable_length([data[0], data[1], data[2]])
    assert padded.shape == (3, 13, 17, 64, 48) and lengths.tolist() == [8, 10, 13]
    assert items.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(padded[1, :10].numpy(), shards.read(1))
    assert not padded[0, 8:].any()
    capped = TestSequences(shards, [7], max_frames=4)
    assert capped[0][0].shape == (4, 17, 64, 48)


@pytest.mark.slow
def test_dataloader_with_two_real_workers(shard_folder: Path) -> None:
    shards = ShardSet(shard_folder)
    shards.read(0)  # the parent holds an open handle before the fork
    labels = subject_label_map(s.subject for s in shards.sequences)
    data = TrainingSequences(shards, range(len(shards)), labels, frames=30)
    sampler = PKBatchSampler(data.labels, p=2, k=2, seed=0)
    loader = DataLoader(data, batch_sampler=sampler, num_workers=2, persistent_workers=False)
    batches = []
    for step, (heatmaps, label) in enumerate(loader):
        assert heatmaps.shape == (4, 30, 17, 64, 48)
        assert len(set(label.tolist())) == 2
        batches.append(heatmaps)
        if step == 5:
            break
    assert not torch.equal(batches[0], batches[1])
    test_loader = DataLoader(TestSequences(shards, range(len(shards))), batch_size=3,
                             num_workers=2, collate_fn=collate_variable_length)
    assert sum(int(lengths.numel()) for _, lengths, _ in test_loader) == len(shards)


def test_regenerated_samples_are_drawn_from_the_stored_keypoints(shard_folder: Path) -> None:
    """data.heatmaps: regenerated (Table 4) reads keypoints, not heatmaps: the same frames as
    the raw sample, redrawn; stored and float paths agree after to_model_input."""
    from heatgait.data.dataset import TestSequences, TrainingSequences
    from heatgait.data.model_input import to_model_input
    from heatgait.data.regenerate import regenerate_heatmaps

    shards = ShardSet(shard_folder)
    labels = {s.subject: 0 for s in shards.sequences}
    raw = TrainingSequences(shards, [0], labels, frames=4, seed=3)
    regen = TrainingSequences(shards, [0], labels, frames=4, seed=3, heatmaps="regenerated")
    picks = raw.sample_positions(shards.sequences[0].num_frames,
                                 np.random.default_rng([3, 7, 0, 1]))
    want = min_max_normalize(regenerate_heatmaps(shards.read_keypoints(0), picks))
    got, _ = regen[(7, 1, 0)]
    np.testing.assert_allclose(got.numpy(), want, atol=1e-6)
    assert not np.allclose(got.numpy(), raw[(7, 1, 0)][0].numpy())
    shipped = TrainingSequences(shards, [0], labels, frames=4, seed=3, heatmaps="regenerated",
                                ship_stored=True)[(7, 1, 0)]
    device_side = to_model_input(shipped.heatmaps[None], shipped.scaling[None])[0]
    np.testing.assert_allclose(device_side.numpy(), want, atol=1e-6)
    whole, _ = TestSequences(shards, [1], heatmaps="regenerated")[0]
    assert whole.shape == (shards.sequences[1].num_frames, 17, 64, 48)
