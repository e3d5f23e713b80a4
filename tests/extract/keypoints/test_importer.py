"""The import's records and shards: renderings, labels, and maps rendered at load time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from heatgait.data.dataset import TestSequences, TrainingSequences
from heatgait.data.model_input import to_model_input
from heatgait.data.regenerate import regenerate_heatmaps
from heatgait.data.shardset import ShardSet
from heatgait.extract.keypoints.importer import import_keypoints
from tests.extract.keypoints import writers
from tests.extract.keypoints.test_bad_input import _walkers


def test_rendered_at_load_is_what_the_import_stored(tmp_path: Path):
    root = writers.write_pickles(tmp_path / "kp", _walkers(frames=6))
    import_keypoints(root, tmp_path / "shards", storage="float16", progress=False)
    shards = ShardSet(tmp_path / "shards")
    indices = list(range(len(shards)))
    stored, rendered = (TestSequences(shards, indices, heatmaps=kind) for kind in ("raw",
                                                                                  "rendered"))
    for i in indices:
        np.testing.assert_allclose(rendered[i][0].numpy(), stored[i][0].numpy(), atol=1e-3)
    # the training path ships float32 maps and finishes them on the device as evaluation does
    train = TrainingSequences(shards, indices, {"001": 0, "002": 1, "003": 2}, frames=4,
                              ship_stored=True, heatmaps="rendered")
    sample = train[(0, 0, 1)]
    x = to_model_input(sample.heatmaps[None], sample.scaling[None])
    assert sample.heatmaps.dtype == torch.float32 and x.shape == (1, 4, 17, 64, 48)
    assert float(x.max()) == 1.0 and float(x.min()) == 0.0


def test_skeletongait_rendering_stores_where_it_draws(tmp_path: Path):
    root = writers.write_pickles(tmp_path / "kp", _walkers(n=1, frames=6))
    result = import_keypoints(root, tmp_path / "shards", rendering="skeletongait",
                              storage="float16", progress=False)
    assert result.new == 1
    shards = ShardSet(tmp_path / "shards")
    assert shards.attrs(0)["rendering"] == "skeletongait"
    kp = shards.read_keypoints(0)
    maps = shards.read(0)
    # the stored keypoints redraw the stored maps (regeneration is frame-invariant)
    np.testing.assert_allclose(regenerate_heatmaps(kp), maps, atol=1e-3)
    assert (kp[:, 3, 2] == 0).all() and maps[:, 3].max() == 0
