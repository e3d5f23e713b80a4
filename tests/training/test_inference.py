"""The one inference loader: a checkpoint's own input settings, device and precision."""

from __future__ import annotations

import numpy as np
import torch

from heatgait.data.dataset import TestSequences
from heatgait.data.shardset import ShardSet
from heatgait.training.checkpoint import save_run_checkpoint
from heatgait.training.inference import InferenceModel, load_inference_model
from tests.training.test_fingerprint import state


def test_loaded_model_embeds_with_its_recipes_heatmaps(tiny_data, tmp_path):
    save_run_checkpoint(state("data.heatmaps=regenerated", "data.max_test_frames=5"),
                        tmp_path / "run")
    loaded = load_inference_model(tmp_path / "run", "cpu")
    assert (loaded.heatmaps, loaded.normalize, loaded.max_frames) == ("regenerated", True, 5)
    assert loaded.precision == "fp32" and not loaded.model.training
    assert loaded.input_contract()["heatmaps"] == "regenerated"
    assert loaded.checkpoint["variant"] == "gaitheat" and loaded.fingerprint["digest"]
    shards = ShardSet(tiny_data)
    rows = [0, 3, 7]
    embedded = loaded.embed(shards, rows, batch_size=2)  # [3, c, p], padded batches
    # the float32 path, one sequence at a time, regenerated maps min-max normalised
    expected = TestSequences(shards, rows, max_frames=5, heatmaps="regenerated")
    with torch.inference_mode():
        for i, (maps, _) in enumerate(expected):
            one = loaded.model(maps[None], lengths=torch.tensor([len(maps)]))
            np.testing.assert_allclose(embedded[i], one[0].numpy(), atol=1e-5, rtol=0)
    raw = InferenceModel.wrap(loaded.model, "cpu", max_frames=5).embed(shards, rows)
    assert not np.allclose(raw, embedded, atol=1e-3)  # the transform is not a no-op here
    assert loaded.embed(shards, []).shape == (0, 0, 0)
