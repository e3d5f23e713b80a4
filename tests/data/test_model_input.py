"""Stored batches normalised on the device give the model what the float32 path gives it."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from torch.utils.data import default_collate

from heatgait.data.dataset import (
    TestSequences,
    TrainingSequences,
    collate_stored_sequences,
    collate_variable_length,
    min_max_normalize,
    subject_label_map,
)
from heatgait.data.frames import read_frames as _read_frames
from heatgait.data.model_input import StoredHeatmaps, stored_scaling, to_model_input
from heatgait.data.schema import decode_heatmaps, encode_heatmaps
from heatgait.data.shards import ShardSet, write_shards
from tests.data.conftest import make_record

TAGS = [(3, 0, 1), (3, 1, 6), (4, 2, 7), (5, 3, 2)]  # (step, slot, item); item 7 is short


@pytest.fixture(params=["uint8", "uint8-sqrt", "float16"])
def shards(request, tmp_path: Path) -> ShardSet:
    records = [make_record(f"{s:03d}", f"nm-0{t}", frames=5 + s + 2 * t, seed=10 * s + t)
               for s in range(1, 5) for t in (1, 2)]
    write_shards(records, tmp_path / request.param, storage=request.param,
                 sequences_per_shard=5, progress=False)
    return ShardSet(tmp_path / request.param)


@pytest.mark.parametrize("normalize", [True, False])
def test_training_samples_match_the_float_path(shards: ShardSet, normalize: bool) -> None:
    labels = subject_label_map(s.subject for s in shards.sequences)
    common = dict(frames=30, normalize=normalize, seed=5)
    old = TrainingSequences(shards, range(len(shards)), labels, **common)
    new = TrainingSequences(shards, range(len(shards)), labels, ship_stored=True, **common)
    batch = default_collate([new[tag] for tag in TAGS])
    assert isinstance(batch, StoredHeatmaps)
    assert batch.heatmaps.dtype == torch.from_numpy(shards.read_stored(0)).dtype
    assert batch.heatmaps.shape == (4, 30, 17, 64, 48) and batch.scaling.shape == (4, 4)
    expected = torch.stack([old[tag][0] for tag in TAGS])
    got = to_model_input(batch.heatmaps, batch.scaling)
    assert got.dtype == torch.float32
    assert torch.equal(got, expected)  # bit for bit: the same float32 operations
    assert batch.label.tolist() == [old[tag][1] for tag in TAGS]
    if normalize:  # each sample spans exactly [0, 1], as min_max_normalize makes it
        assert got.flatten(1).amin(1).tolist() == [0.0] * 4
        assert got.flatten(1).amax(1).tolist() == [1.0] * 4


def test_test_batches_match_and_padding_stays_zero(shards: ShardSet) -> None:
    old = TestSequences(shards, [0, 1, 7])
    new = TestSequences(shards, [0, 1, 7], ship_stored=True)
    padded, lengths, items = collate_variable_length([old[i] for i in range(3)])
    stored = collate_stored_sequences([new[i] for i in range(3)])
    assert stored.lengths.tolist() == lengths.tolist() == [8, 10, 13]
    assert stored.items.tolist() == items.tolist()
    got = to_model_input(stored.heatmaps, stored.scaling, stored.lengths)
    assert torch.equal(got, padded)
    assert not got[0, 8:].any() and not got[1, 10:].any()  # exactly zero, not -low / span


def test_constant_samples_become_zeros() -> None:
    for stored in (np.full((3, 17, 64, 48), 7, np.uint8),
                   np.full((3, 17, 64, 48), 0.25, np.float16)):
        scaling = torch.from_numpy(stored_scaling(stored, normalize=True))[None]
        out = to_model_input(torch.from_numpy(stored)[None], scaling)
        expected = min_max_normalize(stored.astype(np.float32))
        assert not out.any() and not expected.any()
    raw = stored_scaling(np.array([[3, 200]], np.uint8), normalize=False)
    assert raw.tolist() == [np.float32(1 / 255), 0.0, 1.0, 0.0]
    squared = stored_scaling(np.array([[3, 200]], np.uint8), normalize=True, storage="uint8-sqrt")
    d3, d200 = np.float32(3) * np.float32(1 / 255), np.float32(200) * np.float32(1 / 255)
    assert squared.tolist() == [np.float32(1 / 255), d3 * d3, np.float32(float(d200 * d200) -
                                                                          float(d3 * d3)), 1.0]


def test_mixed_storages_in_one_batch_and_three_wide_scaling() -> None:
    """One batch may hold samples of linear and square-root shards (a folder of both)."""
    rng = np.random.default_rng(1)
    floats = rng.random((2, 3, 17, 64, 48), dtype=np.float32) ** 6
    linear, sqrt = encode_heatmaps(floats[0], "uint8"), encode_heatmaps(floats[1], "uint8-sqrt")
    scaling = torch.from_numpy(np.stack([stored_scaling(linear, True, "uint8"),
                                         stored_scaling(sqrt, True, "uint8-sqrt")]))
    got = to_model_input(torch.from_numpy(np.stack([linear, sqrt])), scaling)
    expected = [min_max_normalize(decode_heatmaps(linear, "uint8")),
                min_max_normalize(decode_heatmaps(sqrt, "uint8-sqrt"))]
    assert torch.equal(got, torch.from_numpy(np.stack(expected)))
    # callers that build (scale, low, span) themselves still get the linear decoding
    assert torch.equal(to_model_input(torch.from_numpy(linear)[None], scaling[:1, :3]), got[:1])


def _shard_like(path: Path, frames: np.ndarray, **options: object) -> h5py.Dataset:
    handle = h5py.File(path, "w")
    return handle.create_dataset("heatmaps", data=frames, **options)


def test_raw_chunk_reads_equal_h5py_reads(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frames = encode_heatmaps(rng.random((9, 17, 64, 48), dtype=np.float32) ** 8, "uint8")
    picks = np.array([0, 2, 3, 4, 8])
    # the shard layout (one chunk a frame, deflate only) takes the raw-chunk path ...
    fast = _shard_like(tmp_path / "a.h5", frames, chunks=(1, 17, 64, 48), compression="gzip")
    np.testing.assert_array_equal(_read_frames(fast, picks), frames[picks])
    # ... including a chunk whose optional deflate filter was skipped (filter mask bit 0)
    fast.id.write_direct_chunk((5, 0, 0, 0), frames[0].tobytes(), filter_mask=1)
    fast.file.close()
    with h5py.File(tmp_path / "a.h5", "r") as handle:
        np.testing.assert_array_equal(_read_frames(handle["heatmaps"], np.array([4, 5])),
                                      frames[[4, 0]])
        np.testing.assert_array_equal(handle["heatmaps"][5], frames[0])
    # other layouts fall back to h5py's own reads
    for options in ({"chunks": (2, 17, 64, 48), "compression": "gzip"},
                    {"chunks": (1, 17, 64, 48), "compression": "lzf"},
                    {"chunks": (1, 17, 64, 48), "compression": "gzip", "shuffle": True}):
        other = _shard_like(tmp_path / "b.h5", frames, **options)
        np.testing.assert_array_equal(_read_frames(other, picks), frames[picks])
        other.file.close()


@pytest.mark.slow
def test_training_loader_ships_stored_batches_through_real_workers(shard_folder: Path) -> None:
    from heatgait.training.data import make_loader, select_training
    from heatgait.training.loop import batch_to_device

    split = shard_folder.parent / "split.json"
    split.write_text('{"TRAIN_SET": ["001", "002", "003", "004"], "TEST_SET": []}')
    train = select_training(ShardSet(shard_folder), split)
    options = dict(p=2, k=2, frames=30, normalize=True, seed=3, rank=0, world_size=1, start=2,
                   end=6, num_workers=2, pin_memory=False)
    new, _ = make_loader(train, **options)
    old, _ = make_loader(train, ship_stored=False, **options)
    for stored, (heatmaps, labels) in zip(new, old, strict=True):
        assert isinstance(stored, StoredHeatmaps) and stored.heatmaps.dtype == torch.uint8
        assert stored.heatmaps.nbytes * 4 == heatmaps.nbytes  # a quarter of the bytes
        x, y = batch_to_device(stored, torch.device("cpu"))
        assert torch.equal(x, heatmaps)
        assert torch.equal(y, labels)
