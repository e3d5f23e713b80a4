"""One place merges model settings: given > variant default > GaitHeat default."""

from __future__ import annotations

from heatgait.config import ModelConfig, load_recipe
from heatgait.models.factory import build_model, model_settings


def test_given_values_are_honoured_even_when_equal_to_the_paper_default():
    wide = ModelConfig(name="gaitheat-tiny", channels=[64, 128, 256, 512])
    assert model_settings(wide).channels == [64, 128, 256, 512]
    model = build_model(wide, num_classes=2)
    assert model.backbone.stem[0].out_channels == 64
    assert model_settings(ModelConfig(name="gaitheat-tiny")).channels == [16, 32, 64, 128]


def test_variant_defaults_and_fixed_settings_fill_the_section():
    nopgha = model_settings(ModelConfig(name="gaitheat-nopgha"))
    assert nopgha.align is False and nopgha.gamma == 5.0 and nopgha.embed_dim == 256
    assert build_model(ModelConfig(name="gaitheat-nopgha"), 2).align is False
    paper = model_settings(ModelConfig())
    assert paper.channels == [64, 128, 256, 512] and paper.parts == 16 and paper.align is True
    assert paper.partitions == [list(range(11)), list(range(11, 17))]


def test_a_saved_run_recipe_records_the_network_that_was_built(tmp_path):
    from heatgait.config import recipe_from_dict, recipe_to_dict

    recipe = load_recipe("casia-b", ["model.name=gaitheat-nopgha"])
    recipe.model = model_settings(recipe.model)
    again = recipe_from_dict(recipe_to_dict(recipe))
    assert again.model.align is False and again.model.channels == [64, 128, 256, 512]
