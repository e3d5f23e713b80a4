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


def test_keypoints_storage_draws_the_maps_on_every_read(tmp_path: Path, capsys):
    import h5py

    from heatgait.cli.app import main
    from heatgait.data.check import check_shards

    root = writers.write_pickles(tmp_path / "kp", _walkers(frames=6))
    for rendering in ("pose-model", "skeletongait"):
        maps, kp = tmp_path / f"maps-{rendering}", tmp_path / f"kp-{rendering}"
        import_keypoints(root, maps, rendering=rendering, storage="float16", progress=False)
        assert main(["import", str(root), "--out", str(kp), "--storage", "keypoints",
                     "--rendering", rendering, "-q"]) == 0
        stored, drawn = ShardSet(maps), ShardSet(kp)
        assert check_shards(kp) == [] and drawn.storage(0) == "keypoints"
        with h5py.File(drawn.files[0]) as handle:
            assert "heatmaps" not in handle["sequences/000000"]
            assert handle.attrs["schema_version"] == 3
        for i in range(len(stored)):
            np.testing.assert_array_equal(drawn.read_keypoints(i), stored.read_keypoints(i))
            np.testing.assert_allclose(drawn.read(i), stored.read(i), atol=1e-3)
            np.testing.assert_allclose(drawn.read(i, np.array([4, 1, 1])),
                                       stored.read(i)[[4, 1, 1]], atol=1e-3)
        # the loaders see maps, whatever data.heatmaps says
        sample = TestSequences(drawn, [0])[0][0]
        assert sample.shape == (6, 17, 64, 48) and float(sample.max()) == 1.0
    capsys.readouterr()
    assert main(["import", str(tmp_path / "kp"), "--out", str(tmp_path / "x"), "--storage",
                 "nope"]) == 2
