"""Rank-1 on the synthetic learning set of the embedder in each runtime and precision.

The set and the recipe are tests/test_learning.py's (24 synthetic subjects, 1/8-width
GaitHeat); the run is trained by ``heatgait.training.run.train`` (the learning test's 200
iterations by default), exported by ``heatgait export``'s code, and its test subjects embedded
by torch fp32, onnxruntime fp32, OpenVINO f32 and OpenVINO bf16 (where the CPU has it). Prints
rank-1 per probe set, the largest embedding difference from torch, and seconds per pass.

What it cannot say: the pose network's reduced precision (int8, bf16) acts on RGB crops, and
the synthetic set has none; with trained pose weights its cost would be judged the same way on
real footage.

Run by hand (minutes on one core):

    python benchmarks/bench_precision_learning.py [--iterations 200] [--threads 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.test_learning

from heatgait.data.shardset import ShardSet
from heatgait.evaluation.embed import embed_sequences, select_test_sequences
from heatgait.evaluation.protocols import evaluate_embeddings
from heatgait.training.export import export_embedder
from heatgait.training.exported import load_exported_model
from heatgait.training.inference import load_inference_model
from heatgait.training.run import train
from tests.test_learning import make_data, rank1, small_recipe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="precision-learning-"))
    data = make_data(work / "data")
    recipe = small_recipe(data, iterations=args.iterations,
                          extra=("data.num_workers=0", f"train.checkpoint_every={args.iterations}"))
    start = time.perf_counter()
    train(recipe, [data], work / "run", device="cpu", progress=False)
    print(f"trained {args.iterations} iterations in {time.perf_counter() - start:.0f} s")
    reference = load_inference_model(work / "run", "cpu", precision="fp32")
    path = export_embedder(reference, work / "model.onnx")
    shards = ShardSet(data)
    rows = select_test_sequences(shards, data / "split.json")
    models = {"torch fp32": reference,
              "onnxruntime fp32": load_exported_model(path, "onnx"),
              "openvino f32": load_exported_model(path, "openvino")}
    import openvino as ov

    if "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES"):
        models["openvino bf16"] = load_exported_model(path, "openvino", precision="bf16")
    else:
        print("openvino bf16: this CPU has no BF16: not measured")
    base = None
    for name, model in models.items():
        start = time.perf_counter()
        arrays = embed_sequences(model, shards, rows, batch_size=4, num_workers=0)
        seconds = time.perf_counter() - start
        scores = rank1(evaluate_embeddings(*arrays, recipe.eval))
        base = arrays[0] if base is None else base
        diff = float(np.abs(arrays[0] - base).max())
        print(f"{name:18} rank-1 " + "  ".join(f"{k} {v:6.2f}" for k, v in scores.items()) +
              f"  mean {np.mean(list(scores.values())):6.2f}  max |emb - torch| {diff:.2e}"
              f"  {seconds:.1f} s")


if __name__ == "__main__":
    main()
