"""The import's records and shards: renderings, labels, and maps rendered at load time."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from heatgait.data.dataset import TestSequences, TrainingSequences
from heatgait.data.model_input import to_model_input
from heatgait.data.regenerate import regenerate_heatmaps
from heatgait.data.shardset import ShardSet
from heatgait.errors import KeypointError
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


def test_release_roots_import_as_their_protocols_label_them(tmp_path: Path):
    """A release's root, not only its pose folder: OU-MVLP-Pose's openpose/ (both pose sets
    are refused), GREW's distractors (counted, passed over), one key per sequence."""
    walkers = [("00002", seq, view, kp, frames) for seq, view, (*_, kp, frames)
               in zip(("00", "01", "00"), ("000", "000", "090"), _walkers())]
    oumvlp = tmp_path / "OUMVLP-Pose"
    writers.write_openpose(oumvlp / "openpose", walkers)
    result = import_keypoints(oumvlp, tmp_path / "ou", progress=False)
    assert (result.format, result.new, result.skipped.problems) == ("openpose", 3, [])
    assert sorted(s.key for s in ShardSet(tmp_path / "ou").sequences) == \
        ["00002/00/000", "00002/00/090", "00002/01/000"]
    writers.write_openpose(oumvlp / "alphapose", walkers)
    with pytest.raises(KeypointError, match="both openpose/ and alphapose/.*import one"):
        import_keypoints(oumvlp, tmp_path / "ou2", progress=False)

    grew = tmp_path / "GREW"
    writers.write_text(grew, _walkers(n=2), "grew")  # train/<id>/<seq>
    for name in ("aaaa1111", "bbbb2222"):
        writers.write_text_frames(grew / "distractors" / name, _walkers(n=1)[0][3],
                                  ["00001_2d_pose.txt"])
    result = import_keypoints(grew, tmp_path / "gr", progress=False)
    assert (result.new, result.skipped.problems) == (2, [])
    assert result.skipped.counts["GREW distractor sequence(s), which no protocol here uses"] == 2

    twice = tmp_path / "twice"  # <id>/<view>_<seq> and <id>/<seq>/<view>: one key, kept once
    writers.write_openpose(twice, walkers[:1])
    shutil.copytree(twice / "00002" / "000_00", twice / "00002" / "00" / "000")
    result = import_keypoints(twice, tmp_path / "tw", progress=False)
    assert (result.found, result.new, len(ShardSet(tmp_path / "tw"))) == (1, 1, 1)
    assert result.skipped.counts["sequence(s) with the id/type/view of an earlier one"] == 1
