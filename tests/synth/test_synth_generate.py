"""A whole synthetic set through the real shard writer: labels, split, recipe, resume, baseline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from heatgait.config import load_recipe
from heatgait.data import ShardSet, load_split
from heatgait.synth.baseline import chance_level, cross_view_rank1, nearest_neighbour_rank1
from heatgait.synth.generate import SynthOptions, generate_dataset, make_record

VIEWS = ("072", "090", "108")
TYPES = ("nm-01", "nm-02", "nm-03", "nm-04", "nm-05", "bg-01", "cl-01")
RECIPES = Path(__file__).resolve().parents[2] / "pipelines"
pytestmark = pytest.mark.slow  # the shared fixture renders and writes ~200 sequences (~10 s)


@pytest.fixture(scope="module")
def synth_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("synth")
    summary = generate_dataset(out, subjects=10, seed=3, views=VIEWS, types=TYPES,
                               frames=(8, 10), train_fraction=0.2, progress=False)
    return out, summary


def test_shards_read_back_with_labels(synth_set: tuple[Path, object]) -> None:
    out, summary = synth_set
    data = ShardSet(out)
    assert len(data) == summary.sequences == 10 * len(VIEWS) * len(TYPES)
    keys = {info.key for info in data.sequences}
    assert keys == {f"{s:03d}/{t}/{v}" for s in range(1, 11) for t in TYPES for v in VIEWS}
    index = next(i for i, info in enumerate(data.sequences) if info.key == "004/cl-01/090")
    info = data.sequences[index]
    assert (info.subject, info.type, info.view, info.dataset) == ("004", "cl-01", "090",
                                                                  "synthetic")
    opts = SynthOptions(subjects=10, seed=3, views=VIEWS, types=TYPES, frames=(8, 10))
    again = make_record(opts, 3, "cl-01", "090")  # subject "004" is index 3
    stored = data.read(index)
    assert stored.shape == again.heatmaps.shape
    assert np.abs(stored - again.heatmaps).max() <= 1 / 255 + 1e-6  # uint8-sqrt storage
    assert np.array_equal(data.read_keypoints(index), again.keypoints)
    attrs = data.attrs(index)
    assert attrs["generator"] == "heatgait.synth" and attrs["synth_options"]["seed"] == 3


def test_split_and_recipe_files(synth_set: tuple[Path, object]) -> None:
    out, summary = synth_set
    split = load_split(out / "split.json")
    assert split.train == ["001", "002"] and split.test == [f"{i:03d}" for i in range(3, 11)]
    assert (summary.train_subjects, summary.test_subjects) == (2, 8)
    recipe = yaml.safe_load((out / "recipe.yaml").read_text())
    reference = yaml.safe_load((RECIPES / "casia-b.yaml").read_text())
    assert set(recipe) == set(reference)
    for section in ("data", "extract", "model", "train", "eval"):
        assert set(recipe[section]) == set(reference[section]), section
    loaded = load_recipe(str(out / "recipe.yaml"))  # the strict loader accepts it
    assert loaded.data.dataset == "synthetic"
    assert loaded.resolve(loaded.data.split).resolve() == (out / "split.json").resolve()
    assert recipe["eval"]["gallery"] == ["nm-01", "nm-02", "nm-03", "nm-04"]
    assert recipe["eval"]["probes"] == {"NM": ["nm-05"], "BG": ["bg-01"], "CL": ["cl-01"]}


def test_rerun_resumes_without_rewriting(synth_set: tuple[Path, object]) -> None:
    out, summary = synth_set
    again = generate_dataset(out, subjects=10, seed=3, views=VIEWS, types=TYPES,
                             frames=(8, 10), train_fraction=0.2, progress=False)
    assert again.sequences == 0 and again.skipped == summary.sequences and again.shards == []


def test_baseline_above_chance_below_perfect(synth_set: tuple[Path, object]) -> None:
    out, _ = synth_set
    scores = nearest_neighbour_rank1(out, out / "split.json")
    chance = chance_level(out / "split.json")
    assert set(scores) == {"NM", "BG", "CL"}
    assert set(scores["NM"]) == set(VIEWS) | {"mean"}
    assert scores["NM"]["mean"] > 2 * chance
    assert scores["CL"]["mean"] < 100.0


def test_cross_view_scoring_by_hand() -> None:
    # Two subjects, two views; the protocol excludes identical views. Across views subject A
    # matches, subject B does not (no ties: the evaluator counts a tie as a hit).
    e = np.eye(4)
    features = np.array([e[0], e[1], e[0], e[2], e[1] + 0.5 * e[0], e[3] + 0.5 * e[0]])
    subjects = ["A", "B", "A", "B", "B", "A"]
    types = ["nm-01", "nm-01", "nm-01", "nm-01", "nm-05", "nm-05"]
    views = ["000", "000", "090", "090", "000", "090"]
    scores = cross_view_rank1(features, subjects, types, views, probes={"NM": ["nm-05"]})
    # Probe B@000 vs gallery @090 {A: e0, B: e2}: A is nearer (1.12 < 1.5): miss, 0%.
    # Probe A@090 vs gallery @000 {A: e0, B: e1}: A is nearer (1.12 < 1.5): hit, 100%.
    assert scores == {"NM": {"000": 0.0, "090": 100.0, "mean": 50.0}}
