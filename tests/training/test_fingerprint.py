"""The fingerprint: every recipe key placed in or out, and the digest moves with the ones in."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from heatgait.config import load_recipe, recipe_to_dict
from heatgait.config.schema import SECTIONS
from heatgait.models.factory import build_model
from heatgait.training import fingerprint as fp
from heatgait.training.checkpoint import make_checkpoint
from heatgait.training.fingerprint import compare, fingerprint_state, recorded_form, version1_digest

NARROW = ["model.channels=[4, 8, 8, 16]", "model.embed_dim=8", "model.parts=4"]


def state(*settings: str, seed: int = 0) -> dict:
    recipe = load_recipe("casia-b", [*NARROW, *settings])
    torch.manual_seed(seed)
    model = build_model(recipe.model, num_classes=3)
    return make_checkpoint(model=model, optimizer=None, scheduler=None, sampler_state=None,
                           scaler=None, iteration=1, recipe=recipe_to_dict(recipe),
                           label_map={"a": 0, "b": 1, "c": 2}, variant="gaitheat",
                           dataset="CASIA-B", code="CA")


def test_every_recipe_key_is_placed_in_or_out():
    for section, cls in SECTIONS.items():
        for key in (f.name for f in dataclasses.fields(cls)):
            if section == "data":
                assert (key in fp.DATA_IN) != (key in fp.DATA_OUT), f"data.{key}: place it"
            else:
                assert section in ("model", *fp.SECTIONS_OUT), section
    assert set(SECTIONS) - set(fp.SECTIONS_OUT) == {"data", "model"}


@pytest.mark.parametrize("setting", ["data.heatmaps=regenerated", "data.normalize=false",
                                     "data.max_test_frames=20", "model.gamma=20",
                                     "model.align=false", "model.partitions=[[0, 1], [2, 3]]",
                                     "model.translate_below=true"])
def test_values_that_change_an_embedding_change_the_digest(setting):
    assert fingerprint_state(state(setting))["digest"] != fingerprint_state(state())["digest"]


@pytest.mark.parametrize("setting", ["data.test_batch_size=9", "data.num_workers=5",
                                     "data.batch_p=3", "model.p_below=0.5", "train.lr=0.5",
                                     "extract.storage=float16", "eval.ranks=[1, 5]"])
def test_values_that_do_not_leave_it(setting):
    assert fingerprint_state(state(setting))["digest"] == fingerprint_state(state())["digest"]


def test_weights_change_the_digest():
    assert fingerprint_state(state(seed=1))["digest"] != fingerprint_state(state())["digest"]


def test_version1_records_compare_same_only_where_nothing_new_matters():
    # version 1 galleries come from before model.translate_below: their PGHA moved frames
    # under gamma, so only a recipe that still does compares "same"
    raw = state("model.translate_below=true")
    regen = state("model.translate_below=true", "data.heatmaps=regenerated")
    old_raw = {"digest": version1_digest(raw), "variant": "gaitheat"}
    old_regen = {"digest": version1_digest(regen), "variant": "gaitheat"}
    assert old_raw["digest"] == old_regen["digest"]  # version 1 could not tell them apart
    assert compare(old_raw, fingerprint_state(raw)) == "same"
    assert compare(old_regen, fingerprint_state(regen)) == "stale"
    assert fingerprint_state(regen)["version1"]["changed"] == ["data.heatmaps 'regenerated'"]
    assert compare(old_raw, fingerprint_state(state(seed=1))) == "other"
    paper = fingerprint_state(state())  # the paper's PGHA leaves frames under gamma alone
    assert compare(old_raw, paper) == "stale"
    assert paper["version1"]["changed"] == ["model.translate_below False"]
    # a record of this version is never read as version 1's
    new = recorded_form(fingerprint_state(raw))
    assert "version1" not in new and compare(new, fingerprint_state(raw)) == "same"
    assert compare({**new, "digest": version1_digest(regen)}, fingerprint_state(regen)) == "other"
