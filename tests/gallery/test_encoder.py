"""The gallery's model is eval's model: a run trained on regenerated heatmaps (Table 4) stores
in a gallery the embeddings ``eval --save-embeddings`` gives; galleries of the previous
fingerprint stay readable where their embeddings are still right, and are refused otherwise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from heatgait.cli.app import main
from heatgait.config import load_recipe, recipe_to_dict
from heatgait.errors import HeatgaitError
from heatgait.evaluation.embed import load_embeddings
from heatgait.gallery import Gallery
from heatgait.gallery.encoder import load_encoder, load_gallery_encoder
from heatgait.models.factory import build_model
from heatgait.training.checkpoint import load_checkpoint, make_checkpoint, save_run_checkpoint
from heatgait.training.fingerprint import version1_digest
from tests.gallery.conftest import items, people
from tests.training.conftest import TINY_DATA, TINY_SETS


@pytest.fixture(scope="module")
def regenerated_run(tmp_path_factory) -> tuple[Path, Path]:
    """A synthetic set named after casia-b-regenerated and a 2-iteration run trained on it."""
    from heatgait.synth.generate import generate_dataset
    from heatgait.training.run import train

    root = tmp_path_factory.mktemp("regen")
    generate_dataset(root / "data", recipe="casia-b-regenerated", progress=False, **TINY_DATA)
    recipe = load_recipe(str(root / "data" / "recipe.yaml"),
                         [*TINY_SETS, "train.iterations=2", "train.checkpoint_every=2"])
    assert recipe.data.heatmaps == "regenerated"
    train(recipe, [root / "data"], root / "run", device="cpu", progress=False)
    return root / "data", root / "run"


@pytest.mark.slow
def test_gallery_add_stores_the_embeddings_eval_saves(regenerated_run, tmp_path):
    data, run = regenerated_run
    npz = tmp_path / "e.npz"
    assert main(["eval", "-c", str(run), "-d", str(data), "--device", "cpu", "--workers", "0",
                 "--save-embeddings", str(npz), "-q"]) == 0
    emb, labels, types, views = load_embeddings(npz)
    saved = {f"{s}/{t}/{v}": e for e, s, t, v in zip(emb, labels, types, views)}
    assert len(saved) == 12  # 2 test subjects x 3 types x 2 views

    gallery = tmp_path / "people"
    assert main(["gallery", "add", str(gallery), str(run), str(data), "--device", "cpu",
                 "-q"]) == 0
    with Gallery(gallery) as g:
        stored = {e.sequence_key: v for entries, block in g.iter_embeddings()
                  for e, v in zip(entries, block)}
        recorded = g.fingerprint
    assert set(saved) <= set(stored)
    for key, vector in saved.items():
        np.testing.assert_allclose(stored[key], vector, atol=1e-5, rtol=0, err_msg=key)
    assert recorded["heatmaps"] == "regenerated" and "version1" not in recorded


def tiny_checkpoint(folder: Path, *settings: str, old: bool = False) -> Path:
    """A run folder with one checkpoint of a narrow network (random weights, seed 0).

    ``old``: its recipe as heatgait saved it before model.translate_below and model.init.
    """
    recipe = load_recipe("casia-b", ["model.channels=[4, 8, 8, 16]", "model.embed_dim=8",
                                     "model.parts=4", "data.num_workers=0", *settings])
    torch.manual_seed(0)
    model = build_model(recipe.model, num_classes=3)
    saved = recipe_to_dict(recipe)
    if old:
        saved["model"] = {k: v for k, v in saved["model"].items()
                          if k not in ("translate_below", "init")}
    state = make_checkpoint(model=model, optimizer=None, scheduler=None, sampler_state=None,
                            scaler=None, iteration=1, recipe=saved,
                            label_map={"001": 0, "002": 1, "003": 2}, variant="gaitheat",
                            dataset="CASIA-B", code="CA")
    save_run_checkpoint(state, folder)
    return folder


def version1_gallery(folder: Path, run: Path) -> Path:
    """A gallery as heatgait wrote it before the fingerprint had a version."""
    state = load_checkpoint(run)
    record = {"digest": version1_digest(state), "variant": "gaitheat", "iteration": 1,
              "checkpoint": str(Path(state["path"]).resolve()), "dataset": "CASIA-B"}
    _, emb, owner = people(np.random.default_rng(0), 2, channels=8, parts=4)
    with Gallery(folder, create=True) as gallery:
        gallery.add(emb, items(owner), record)
    return folder


def test_version1_gallery_of_a_raw_heatmap_model_stays_readable(tmp_path):
    run = tiny_checkpoint(tmp_path / "run", old=True)
    gallery = version1_gallery(tmp_path / "old", run)
    with Gallery(gallery) as g:
        g.check_model(load_encoder(run, "cpu").fingerprint)  # gallery add accepts it
        assert load_gallery_encoder(g.fingerprint, None, "cpu", str(gallery)) is not None
    # the same weights under a recipe whose heatmaps version 1 ignored: refused, not mixed in
    other = tiny_checkpoint(tmp_path / "regen", "data.heatmaps=regenerated", old=True)
    with Gallery(gallery) as g, pytest.raises(HeatgaitError, match="data.heatmaps"):
        g.check_model(load_encoder(other, "cpu").fingerprint)
    with Gallery(gallery) as g, pytest.raises(HeatgaitError, match="another model"):
        g.check_model(load_encoder(tiny_checkpoint(tmp_path / "b", "model.gamma=9"),
                                   "cpu").fingerprint)
    # the same weights retrained-as-is under the paper's PGHA (frames under gamma left alone)
    paper = tiny_checkpoint(tmp_path / "paper")
    with Gallery(gallery) as g, pytest.raises(HeatgaitError, match="translate_below"):
        g.check_model(load_encoder(paper, "cpu").fingerprint)


def test_version1_gallery_of_a_regenerated_model_must_be_enrolled_again(tmp_path, capsys):
    run = tiny_checkpoint(tmp_path / "run", "data.heatmaps=regenerated", old=True)
    gallery = version1_gallery(tmp_path / "old", run)
    with Gallery(gallery) as g, pytest.raises(HeatgaitError, match="enrol the walkers again"):
        load_gallery_encoder(g.fingerprint, None, "cpu", str(gallery))
    assert main(["gallery", "add", str(gallery), str(run), str(tmp_path / "none"),
                 "--device", "cpu"]) == 1
    error = capsys.readouterr().err.strip()
    assert "data.heatmaps 'regenerated'" in error and "new gallery folder" in error
    assert "\n" not in error
    with Gallery(gallery) as g:
        assert g.count() == 6  # nothing lost
