"""Import of the reference ``<id>/<type>/<view>/*.pkl`` layout."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from heatgait.data.importer import import_reference
from heatgait.data.keypoints import decode_keypoints
from heatgait.data.shards import ShardSet


def test_keypoints_are_heatmap_argmax() -> None:
    heatmaps = np.zeros((2, 17, 64, 48), np.float32)
    heatmaps[0, 5, 10, 30] = 0.8  # joint 5 at x=30, y=10
    heatmaps[1, 16, 63, 0] = 0.5
    keypoints = decode_keypoints(heatmaps)
    np.testing.assert_allclose(keypoints[0, 5], [30, 10, 0.8])
    np.testing.assert_allclose(keypoints[1, 16], [0, 63, 0.5])


def test_import_reference_tree(tmp_path: Path) -> None:
    root = tmp_path / "ref"
    rng = np.random.default_rng(0)
    arrays = {}
    for subject, type_, view, frames in [("075", "nm-05", "000", 4), ("075", "bg-01", "018", 3),
                                         ("076", "cl-02", "090", 5)]:
        folder = root / subject / type_ / view
        folder.mkdir(parents=True)
        array = rng.random((frames, 17, 64, 48)).astype(np.float16)
        arrays[f"{subject}/{type_}/{view}"] = array
        (folder / f"{view}.pkl").write_bytes(pickle.dumps(array))
    (root / "077" / "nm-01" / "000").mkdir(parents=True)
    (root / "077" / "nm-01" / "000" / "x.pkl").write_bytes(pickle.dumps(np.zeros((3, 5))))
    out = tmp_path / "shards"
    written = import_reference(root, out, dataset="CASIA-B", progress=False)
    assert len(written) == 1
    shards = ShardSet(out)
    assert sorted(s.key for s in shards.sequences) == sorted(arrays)
    for index, info in enumerate(shards.sequences):
        source = arrays[info.key].astype(np.float32)
        assert info.dataset == "CASIA-B" and info.num_frames == len(source)
        assert np.abs(shards.read(index) - source).max() <= 1 / 255 + 1e-6  # uint8-sqrt
        np.testing.assert_allclose(shards.read_keypoints(index)[..., :2],
                                   decode_keypoints(source)[..., :2])
        assert np.isnan(shards.read_side(index, "boxes")).all()
    assert import_reference(root, out, progress=False) == []  # resumable: nothing new
