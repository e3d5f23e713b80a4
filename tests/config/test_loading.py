"""Recipes load strictly into dataclasses; overrides are typed; the resolved recipe round-trips."""

from __future__ import annotations

import pytest
import yaml

from heatgait.config import (
    Recipe,
    apply_override,
    builtin_recipes,
    load_recipe,
    recipe_from_dict,
    recipe_to_dict,
    save_recipe,
)
from heatgait.errors import ConfigError


def test_builtin_recipes_load_and_match_paper_settings():
    assert {"casia-b", "ccpg", "sustech1k"} <= set(builtin_recipes())
    casia = load_recipe("casia-b")
    assert casia.data.code == "CA" and casia.model.gamma == 5.0
    assert casia.train.milestones == [20000, 40000, 50000] and casia.train.iterations == 60000
    assert casia.eval.probes["CL"] == ["cl-01", "cl-02"]
    assert load_recipe("ccpg").model.gamma == 20.0
    assert load_recipe("sustech1k").eval.metrics == ["rank1", "rank5"]


def test_split_file_resolves_next_to_recipe():
    recipe = load_recipe("casia-b")
    assert recipe.resolve(recipe.data.split).is_file()


def test_unknown_key_names_key_and_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("train:\n  iteratons: 10\n")
    with pytest.raises(ConfigError) as info:
        load_recipe(str(path))
    message = str(info.value)
    assert "iteratons" in message and str(path) in message and "iterations" in message


def test_wrong_type_fails_before_work(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("train:\n  lr: fast\n")
    with pytest.raises(ConfigError, match="train.lr must be a number"):
        load_recipe(str(path))


def test_unquoted_view_label_is_refused():
    with pytest.raises(ConfigError, match="quote"):
        recipe_from_dict({"eval": {"gallery": [0]}})


def test_overrides_are_typed():
    recipe = load_recipe("casia-b", ["train.iterations=100", "model.partitions=[[0, 1], [2]]",
                                     "train.lr=1"])
    assert recipe.train.iterations == 100
    assert recipe.model.partitions == [[0, 1], [2]]
    assert recipe.train.lr == 1.0 and isinstance(recipe.train.lr, float)
    with pytest.raises(ConfigError, match="unknown key 'iteration'"):
        apply_override(recipe, "train.iteration=5")
    with pytest.raises(ConfigError, match="unknown section"):
        apply_override(recipe, "trian.iterations=5")
    with pytest.raises(ConfigError, match="must be an integer"):
        apply_override(recipe, "train.iterations=many")
    with pytest.raises(ConfigError, match="section.key=value"):
        apply_override(recipe, "iterations")


def test_unknown_recipe_lists_known():
    with pytest.raises(ConfigError, match="casia-b"):
        load_recipe("casia")


def test_saved_recipe_round_trips(tmp_path):
    recipe = load_recipe("ccpg", ["train.iterations=7"])
    path = save_recipe(recipe, tmp_path / "run" / "recipe.yaml")
    again = recipe_from_dict(yaml.safe_load(path.read_text()))
    assert recipe_to_dict(again) == recipe_to_dict(recipe)
    assert isinstance(again, Recipe) and again.train.iterations == 7


def test_float_accepts_exponent_without_dot():
    recipe = load_recipe("casia-b", ["train.lr=1e30"])
    assert recipe.train.lr == 1e30


def test_base_recipes_inherit_key_by_key_and_save_resolved(tmp_path):
    variant = tmp_path / "casia-b-short.yaml"
    variant.write_text("base: casia-b\ntrain:\n  iterations: 10\nmodel:\n  name: gaitheat-nopgha\n")
    recipe = load_recipe(str(variant))
    assert recipe.name == "casia-b-short" and recipe.train.iterations == 10
    assert recipe.train.milestones == [20000, 40000, 50000]  # inherited, key by key
    assert recipe.eval.probes["CL"] == ["cl-01", "cl-02"] and recipe.model.gamma == 5.0
    saved = yaml.safe_load(save_recipe(recipe, tmp_path / "out.yaml").read_text())
    assert "base" not in saved and saved["model"]["name"] == "gaitheat-nopgha"
    chained = tmp_path / "chained.yaml"
    chained.write_text("base: casia-b-short.yaml\ntrain:\n  lr: 0.01\n")
    assert load_recipe(str(chained)).train.iterations == 10


def test_base_cycles_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text("base: b.yaml\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_recipe(str(tmp_path / "a.yaml"))


def test_a_bare_name_is_never_read_from_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "casia-b").mkdir()
    assert load_recipe("casia-b").data.code == "CA"
