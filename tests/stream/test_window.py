"""A streamed window embeds exactly as the same frames stored and embedded offline."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from heatgait.data.model_input import stored_scaling
from heatgait.data.shardset import ShardSet
from heatgait.stream.encoder import FrameEncoder
from heatgait.stream.window import TrackWindow, refresh
from heatgait.training.inference import load_inference_model


@pytest.fixture(scope="module")
def setup(tiny_gallery):
    data, run, _ = tiny_gallery
    model = load_inference_model(run, "cpu")
    shards = ShardSet(data)
    return model, FrameEncoder(model), shards


def offline(model, shards, index: int, positions: np.ndarray) -> np.ndarray:
    """The offline path (InferenceModel.embed_batch) on frames ``positions`` of a sequence."""
    stored = shards.read_stored(index, positions)  # [t, 17, 64, 48]
    scaling = stored_scaling(stored, model.normalize, shards.storage(index))
    out = model.embed_batch(torch.from_numpy(stored)[None], torch.from_numpy(scaling)[None],
                            torch.tensor([len(stored)]))
    return out[0].numpy()


def test_finished_track_equals_offline_embedding(setup):
    model, encoder, shards = setup
    for index in range(3):
        length = shards.sequences[index].num_frames
        window = TrackWindow(0, model.normalize, shards.storage(index))
        for position in range(length):  # frame by frame, encoded as they come
            window.add(shards.read_stored(index, np.array([position]))[0], position)
            refresh(encoder, [window], only_new=True)
        streamed = window.embedding(encoder)
        expected = model.embed(shards, [index])[0]  # the eval/gallery path
        assert np.abs(streamed - expected).max() < 1e-5
        # frames were encoded again exactly when a later frame moved the sequence's extremes
        lows, highs = [f.low for f in window.frames], [f.high for f in window.frames]
        moved = len({(min(lows[:i + 1]), max(highs[:i + 1])) for i in range(length)}) > 1
        assert (window.reencoded > 0) == moved


def test_sliding_window_equals_offline_embedding_of_its_frames(setup):
    model, encoder, shards = setup
    index, size = 1, 6
    length = shards.sequences[index].num_frames
    window = TrackWindow(size, model.normalize, shards.storage(index))
    for position in range(length):
        window.add(shards.read_stored(index, np.array([position]))[0], position)
        refresh(encoder, [window], only_new=True)
        if position + 1 >= size:
            kept = np.arange(position + 1 - size, position + 1)
            assert [f.index for f in window.frames] == kept.tolist()
            assert np.abs(window.embedding(encoder) - offline(model, shards, index, kept)
                          ).max() < 1e-5
    assert len(window) == size and window.total == length
