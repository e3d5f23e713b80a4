"""The shipped split files of the keypoint data sets: the rule each follows, and their sizes."""

from __future__ import annotations

import json

import pytest

from heatgait.config import load_recipe
from heatgait.config.split_files import builtin_splits_dir
from heatgait.config.standard_splits import RULE_SPLITS
from heatgait.data.splits import load_split, load_split_list


@pytest.mark.parametrize("name", sorted(RULE_SPLITS))
def test_shipped_file_is_its_rule(name):
    assert json.loads((builtin_splits_dir() / name).read_text()) == RULE_SPLITS[name]()


@pytest.mark.parametrize("recipe,train,test", [
    ("oumvlp", 5153, 5154), ("grew", 20000, 6001), ("gait3d", 3000, 1000),
    ("casia-b-pose", 74, 50)])
def test_recipe_splits_have_the_official_sizes(recipe, train, test):
    split = load_split(load_recipe(recipe).split_file)
    assert (len(split.train), len(split.test)) == (train, test)
    assert not set(split.train) & set(split.test)


def test_oumvlp_ids_and_grew_probe_label():
    oumvlp = load_split(load_recipe("oumvlp").split_file)
    assert oumvlp.train[:2] == ["00001", "00003"] and "10307" in oumvlp.test
    assert sorted(oumvlp.train + oumvlp.test) == [f"{i:05d}" for i in range(1, 10308)]
    assert "probe" in load_split(load_recipe("grew").split_file).test


def test_gait3d_lists_one_probe_sequence_per_test_subject():
    path = load_recipe("gait3d").split_file
    probes = load_split_list(path, "PROBE_SET")
    assert len(probes) == len(set(probes)) == 1000
    subjects = [p.split("-")[0] for p in probes]
    assert sorted(subjects) == sorted(load_split(path).test)
    assert all(len(p.split("-")) == 3 and p.split("-")[1].startswith("camid") for p in probes)
