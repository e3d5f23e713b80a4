"""Eval from a real checkpoint on real shard files: embeddings, variant and cross-domain checks."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from heatgait.cli.app import main
from heatgait.config import load_recipe, recipe_to_dict
from heatgait.data.records import SequenceRecord
from heatgait.data.shards import write_shards
from heatgait.data.shardset import ShardSet
from heatgait.errors import HeatgaitError, UsageError
from heatgait.evaluation.embed import embed_sequences, load_embeddings
from heatgait.evaluation.run import evaluate_checkpoint
from heatgait.models.factory import build_model
from heatgait.training.checkpoint import make_checkpoint, save_run_checkpoint

TYPES = ["nm-01", "nm-05", "bg-01", "cl-01"]  # one gallery and one of each probe set


def record(subject: str, type_: str, view: str, frames: int, seed: int) -> SequenceRecord:
    rng = np.random.default_rng(seed)
    return SequenceRecord(
        subject=subject, type=type_, view=view,
        heatmaps=rng.random((frames, 17, 64, 48), dtype=np.float32) ** 6,  # [T, 17, 64, 48]
        keypoints=rng.random((frames, 17, 3), dtype=np.float32),
        boxes=rng.random((frames, 4), dtype=np.float32), frame_indices=np.arange(frames),
        frame_scores=np.ones(frames, dtype=np.float32), dataset="CASIA-B")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """Test shards (2 CASIA-B test subjects + 1 training subject) and a tiny-model run folder."""
    root = tmp_path_factory.mktemp("eval")
    records = [record(s, t, v, frames=2 + (i % 3), seed=i)
               for i, (s, t, v) in enumerate((s, t, v) for s in ("001", "075", "076")
                                             for t in TYPES for v in ("000", "090"))]
    write_shards(records, root / "shards", sequences_per_shard=25, progress=False)
    recipe = load_recipe("casia-b", ["model.name=gaitheat-tiny", "model.embed_dim=64",
                                     "model.channels=[16, 32, 64, 128]", "data.num_workers=0"])
    torch.manual_seed(0)
    model = build_model(recipe.model, num_classes=3)
    state = make_checkpoint(model=model, optimizer=None, scheduler=None, sampler_state=None,
                            scaler=None, iteration=1, recipe=recipe_to_dict(recipe),
                            label_map={"001": 0, "002": 1, "003": 2}, variant="gaitheat-tiny",
                            dataset="CASIA-B", code="CA")
    save_run_checkpoint(state, root / "run")
    return root, model


@pytest.mark.slow
def test_cli_embeds_test_subjects_and_saved_embeddings_rescore_identically(setup, tmp_path):
    root, model = setup
    npz, first, second = tmp_path / "e.npz", tmp_path / "a.json", tmp_path / "b.json"
    assert main(["eval", "-c", str(root / "run"), "-d", str(root / "shards"), "--device", "cpu",
                 "--workers", "1", "--batch-size", "3", "--save-embeddings", str(npz),
                 "--json", str(first)]) == 0
    emb, labels, _, _ = load_embeddings(npz)
    assert sorted(set(labels.tolist())) == ["075", "076"] and emb.shape == (16, 64, 16)
    shards = ShardSet(root / "shards")
    first_075 = next(i for i, s in enumerate(shards.sequences) if s.subject == "075")
    single = embed_sequences(model, shards, [first_075], "cpu", batch_size=1)[0]
    np.testing.assert_allclose(emb[list(labels).index("075")], single[0], atol=1e-4)  # padding
    assert main(["eval", "--embeddings", str(npz), "-p", "casia-b", "--json", str(second)]) == 0
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    assert {k: a[k] for k in ("NM", "BG", "CL", "mean")} == \
        {k: b[k] for k in ("NM", "BG", "CL", "mean")}
    assert (root / "run").is_dir() and first.with_suffix(".png").is_file()


def test_wrong_variant_and_wrong_cross_source_are_named(setup, tmp_path):
    root, _ = setup
    with pytest.raises(HeatgaitError, match="'gaitheat-tiny'.*'gaitheat'"):
        evaluate_checkpoint(root / "run", [root / "shards"], protocol="casia-b", device="cpu")
    with pytest.raises(UsageError, match="trained on CA.*source CC"):
        evaluate_checkpoint(root / "run", [root / "shards"], cross="CC->CA", device="cpu")
    with pytest.raises(UsageError, match="no subject of the test split"):
        evaluate_checkpoint(root / "run", [root / "shards"], cross="CA->CC", device="cpu")
