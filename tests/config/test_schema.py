"""Closed choices and model settings are checked when a recipe loads, not after a run."""

from __future__ import annotations

import pytest

from heatgait.config import ModelConfig, load_recipe
from heatgait.errors import ConfigError


@pytest.mark.parametrize("override, key, choice", [
    ("eval.mode=crossview", "eval.mode", "cross-view"),
    ("eval.match=fuzzy", "eval.match", "substring"),
    ("extract.storage=int8", "extract.storage", "float16"),
    ("extract.layout=casiab", "extract.layout", "casia-b"),
    ("extract.pose=openpose", "extract.pose", "vitpose"),
    ("extract.detector=yolo", "extract.detector", "rtmdet-person"),
    ("model.name=gaitheat-xl", "model.name", "gaitheat-nopgha"),
    ("data.heatmaps=skeleton", "data.heatmaps", "regenerated"),
])
def test_closed_choices_fail_at_load_naming_key_file_and_choices(override, key, choice):
    with pytest.raises(ConfigError) as info:
        load_recipe("casia-b", [override])
    message = str(info.value)
    assert key in message and choice in message and "casia-b.yaml" in message
    assert "\n" not in message


def test_choice_in_a_recipe_file_names_the_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("base: casia-b\neval:\n  mode: crossview\n")
    with pytest.raises(ConfigError, match=r"mine\.yaml.*eval\.mode 'crossview'.*cross-view"):
        load_recipe(str(path))


def test_config_paths_are_accepted_for_pose_and_detector():
    recipe = load_recipe("casia-b", ["extract.pose=my_models/td-hm_custom.py"])
    assert recipe.extract.pose == "my_models/td-hm_custom.py"


def test_a_setting_that_contradicts_the_variant_is_refused():
    with pytest.raises(ConfigError, match="model.align=True contradicts model.name=gaitheat-nopgha"):
        ModelConfig(name="gaitheat-nopgha", align=True)
    with pytest.raises(ConfigError, match="contradicts"):
        load_recipe("casia-b", ["model.name=gaitheat-nopgha", "model.align=true"])
    assert ModelConfig(name="gaitheat-nopgha", align=False).align is False


def test_settings_left_out_are_not_set():
    model = load_recipe("sustech1k").model
    assert model.channels is None and model.align is None and model.embed_dim is None
