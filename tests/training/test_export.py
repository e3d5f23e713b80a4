"""The embedder export (``heatgait export RUN``) against the torch model it came from: dynamic
batch and length, metadata, embeddings and rank-1 through onnxruntime and OpenVINO, the
one-line refusals of files that are not the run's export, and old checkpoints (head key
"global") still loading."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from heatgait.cli.app import main
from heatgait.config import load_recipe
from heatgait.errors import HeatgaitError
from heatgait.evaluation.embed import load_embeddings
from heatgait.evaluation.run import evaluate_checkpoint
from heatgait.extract.runtimes.onnxfile import read_metadata
from heatgait.gallery.gallery import Gallery
from heatgait.training.checkpoint import load_checkpoint, save_checkpoint
from heatgait.training.exported import load_exported_model
from heatgait.training.fingerprint import fingerprint_state
from heatgait.training.inference import load_inference_model
from tests.training.conftest import TINY_SETS

# every probe condition (bg, cl) and a gallery (nm-01..04 in the casia-b recipe), 2 views
SYNTH = {"subjects": 6, "seed": 3, "views": ("000", "090"),
         "types": ("nm-01", "nm-02", "bg-01", "cl-01"), "frames": (6, 9)}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(data, run, export) of a 2-iteration run on a small synthetic set."""
    from heatgait.synth.generate import generate_dataset
    from heatgait.training.run import train

    root = tmp_path_factory.mktemp("export")
    generate_dataset(root / "data", progress=False, **SYNTH)
    recipe = load_recipe(str(root / "data" / "recipe.yaml"),
                         [*TINY_SETS, "train.iterations=2", "train.checkpoint_every=2"])
    train(recipe, [root / "data"], root / "run", device="cpu", progress=False)
    assert main(["export", str(root / "run"), "-q"]) == 0  # default: beside the checkpoint
    return root / "data", root / "run", root / "run" / "checkpoints" / "latest.onnx"


def test_export_has_dynamic_batch_and_length_and_says_what_it_is(exported):
    import onnx

    _, run, path = exported
    graph = onnx.load(str(path)).graph
    dims = {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in [*graph.input, *graph.output]}
    assert dims["heatmaps"][:2] == dims["embeddings"][:1] + [dims["heatmaps"][1]]
    assert all(isinstance(d, str) for d in dims["heatmaps"][:2] + dims["lengths"])
    assert dims["heatmaps"][2:] == [17, 64, 48] and dims["embeddings"][1:] == [8, 4]
    meta = read_metadata(path, "embedder")
    torch_model = load_inference_model(run, "cpu")
    assert meta["fingerprint"]["digest"] == torch_model.fingerprint["digest"]
    assert meta["input_contract"] == torch_model.input_contract()
    assert meta["recipe"]["model"]["channels"] == [4, 8, 8, 16]
    # two other lengths and batch sizes than the example the export traced (2 x 3)
    for runtime in ("onnx", "openvino"):
        model = load_exported_model(path, runtime)
        for n, t in ((1, 5), (3, 11)):
            x = torch.rand(n, t, 17, 64, 48, generator=torch.Generator().manual_seed(t)) ** 6
            lengths = torch.arange(t, t - n, -1)
            with torch.inference_mode():
                want = torch_model.model(x, lengths=lengths)
            got = model.model(x, lengths=lengths)
            assert got.shape == want.shape == (n, 8, 4)
            assert (got - want).abs().max() < 1e-4, runtime


@pytest.mark.slow
def test_eval_through_onnx_and_openvino_gives_torch_embeddings_and_rank1(exported, tmp_path):
    data, run, _ = exported
    results = {}
    for runtime in ("torch", "onnx", "openvino"):
        npz, out = tmp_path / f"{runtime}.npz", tmp_path / f"{runtime}.json"
        assert main(["eval", str(run), "-d", str(data), "--device", "cpu", "--workers", "0",
                     "--runtime", runtime, "--save-embeddings", str(npz), "--json", str(out),
                     "-q"]) == 0
        results[runtime] = (load_embeddings(npz)[0], json.loads(out.read_text()))
    emb, table = results["torch"]
    assert emb.shape[0] == 3 * 2 * 4  # test subjects x views x (gallery + probe) types
    for runtime in ("onnx", "openvino"):
        assert np.abs(results[runtime][0] - emb).max() < 1e-4, runtime
        assert {k: results[runtime][1][k] for k in ("BG", "CL", "mean")} == \
            {k: table[k] for k in ("BG", "CL", "mean")}, runtime


def test_files_that_are_not_the_runs_export_are_refused_in_one_line(exported, tmp_path):
    import onnx
    from onnx import TensorProto, helper

    data, run, _ = exported
    text = tmp_path / "notes.onnx"
    text.write_text("not a model\n")
    plain = tmp_path / "plain.onnx"
    node = helper.make_node("Identity", ["x"], ["y"])
    value = helper.make_tensor_value_info
    onnx.save(helper.make_model(helper.make_graph([node], "g", [value("x", TensorProto.FLOAT,
                                                                      [1])],
                                                  [value("y", TensorProto.FLOAT, [1])])), plain)
    other = tmp_path / "other-run"
    state = load_checkpoint(run)
    state["model"] = {k: v + 0.01 if v.is_floating_point() else v
                      for k, v in state["model"].items()}
    save_checkpoint(state, other / "latest.pt")
    assert main(["export", str(other / "latest.pt"), "--out", str(tmp_path / "o.onnx"),
                 "-q"]) == 0
    for path, message in ((text, "not an ONNX model"), (plain, "not a heatgait export"),
                          (tmp_path / "o.onnx", "exported from .*other-run.*not the model of")):
        with pytest.raises(HeatgaitError, match=message) as error:
            evaluate_checkpoint(run, [data], device="cpu", runtime="onnx", model_file=path)
        assert "\n" not in str(error.value)
    with pytest.raises(HeatgaitError, match="no such file"):
        evaluate_checkpoint(run, [data], device="cpu", runtime="onnx",
                            model_file=tmp_path / "absent.onnx")
    gallery = tmp_path / "people"
    assert main(["gallery", "add", str(gallery), str(run), str(data), "--device", "cpu",
                 "--name-from", "subject", "-q"]) == 0
    assert main(["identify", str(data), "--gallery", str(gallery), "--runtime", "onnx",
                 "--model", str(tmp_path / "o.onnx"), "-o", str(tmp_path / "id"), "-q"]) == 1
    # the gallery's own export (found beside the checkpoint it recorded) names as torch does
    decisions = {}
    for runtime in ("torch", "onnx"):
        out = tmp_path / f"{runtime}.json"
        assert main(["identify", str(data), "--gallery", str(gallery), "--runtime", runtime,
                     "--device", "cpu", "--json", str(out), "-o", str(tmp_path / runtime),
                     "-q"]) == 0
        decisions[runtime] = [(r["sequence_key"], r["decision"], r["best_distance"]) for r in
                              json.loads(out.read_text())["tracks"]]
    assert len(decisions["torch"]) == 48  # 6 subjects x 2 views x 4 types
    for (key, name, distance), (key2, name2, distance2) in zip(decisions["torch"],
                                                               decisions["onnx"]):
        # 1e-3: a walker's distance to its own enrolled sequence is a square root of float
        # noise (1e-4 for 1e-8), which amplifies the 1e-7 embedding differences
        assert (key, name) == (key2, name2) and abs(distance - distance2) < 1e-3
    # gallery calibrate through the export sets the threshold torch sets
    thresholds = {}
    for runtime in ("torch", "onnx"):
        assert main(["gallery", "calibrate", str(gallery), "--data", str(data), "--runtime",
                     runtime, "--device", "cpu", "-q"]) == 0
        with Gallery(gallery) as opened:
            thresholds[runtime] = opened.calibration["threshold"]
    assert abs(thresholds["torch"] - thresholds["onnx"]) < 1e-3


def test_a_checkpoint_from_before_the_head_rename_still_loads(exported, tmp_path):
    _, run, _ = exported
    state = load_checkpoint(run)
    old = dict(state)
    old["model"] = {k.replace("heads.whole.", "heads.global."): v
                    for k, v in state["model"].items()}
    assert any(k.startswith("heads.global.") for k in old["model"])
    save_checkpoint(old, tmp_path / "old.pt")
    new, loaded = load_inference_model(run, "cpu"), load_inference_model(tmp_path / "old.pt",
                                                                         "cpu")
    for key, value in new.model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[key], value), key
    # its fingerprint is over the names it stores: galleries it filled still know it
    assert loaded.fingerprint["digest"] == fingerprint_state(load_checkpoint(
        tmp_path / "old.pt"))["digest"]
