"""The stages of benchmarks/gpu_check.py, one function each, every one run in its own process:

    python -m benchmarks.gpu_stages STAGE --sizes sizes.json --work DIR --result out.json

A stage writes what it has measured to ``--result`` as it goes (a kill at the cap keeps it)
and records a failed sub-measurement under ``errors`` instead of raising, so one broken
precision or an out-of-memory error costs only that number. Imports stay within what a bare
GPU machine has (torch, numpy, h5py, tqdm, typer): pyyaml, needed only by ``heatgait synth``'s
recipe file and by the protocol scoring, is optional (both fall back or record an error), and
nothing here imports the OpenMMLab stack or litert (every stage lists what it found loaded).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import json
import os
import platform
import resource
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.gpu_workloads import (
    casia_b_rows,
    feed_training,
    frame_pool,
    loader_alone,
    make_model,
    peak_memory_gib,
    reset_peak,
    stored_test_batch,
    sync,
    synth_shards,
    training_batches,
)

FORBIDDEN = ("mmcv", "mmdet", "mmpose", "mmengine", "mmpretrain", "ai_edge_litert",
             "tflite_runtime", "mediapipe")


class Recorder:
    """The stage's result dict, rewritten to disk on every change."""

    def __init__(self, path: Path):
        self.path = path
        self.data: dict[str, Any] = {"errors": {}, "headline": []}

    def set(self, **values: Any) -> None:
        self.data.update(values)
        self.save()

    def fail(self, what: str, error: BaseException) -> None:
        self.data["errors"][what] = f"{type(error).__name__}: {error}"[:600]
        self.save()

    def save(self) -> None:
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(self.data, indent=1, default=str))
        os.replace(partial, self.path)


@contextlib.contextmanager
def attempt(rec: Recorder, what: str) -> Iterator[None]:
    """Record an exception under ``what`` and go on (memory of the failed try is released)."""
    try:
        yield
    except Exception as error:  # every failure is a result here
        traceback.print_exc()
        rec.fail(what, error)
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


def stage_env(sizes: dict, work: Path, rec: Recorder, cap: float) -> None:
    import h5py

    from heatgait.training.loop import Precision

    rec.set(python=platform.python_version(), torch=torch.__version__,
            torch_cuda=torch.version.cuda, numpy=np.__version__, h5py=h5py.__version__,
            cpu_count=os.cpu_count(), device=sizes["device"],
            yaml_available=_importable("yaml"),
            headline=["device_name", "training_precision", "memory_total_gib",
                      "model_input_bit_exact"])
    device = torch.device(sizes["device"])
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("no CUDA device visible to torch (torch.cuda.is_available() is "
                               "False); check the driver, or run with --smoke on the CPU")
        props = torch.cuda.get_device_properties(device)
        free, total = torch.cuda.mem_get_info(device)
        rec.set(device_name=props.name, capability=f"{props.major}.{props.minor}",
                multiprocessors=props.multi_processor_count,
                memory_total_gib=round(total / 2**30, 1), memory_free_gib=round(free / 2**30, 1),
                cudnn=torch.backends.cudnn.version(), bf16_supported=torch.cuda.is_bf16_supported(),
                cudnn_allow_tf32=torch.backends.cudnn.allow_tf32,
                matmul_allow_tf32=torch.backends.cuda.matmul.allow_tf32,
                cudnn_benchmark=torch.backends.cudnn.benchmark)
    else:
        rec.set(device_name=platform.processor() or platform.machine(),
                torch_threads=torch.get_num_threads())
    precision = Precision.for_device(device, amp=True)
    name = {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[precision.dtype]
    rec.set(training_precision=name)
    with attempt(rec, "model_input_bit_exact"):
        rec.set(model_input_bit_exact=model_input_matches_cpu(device))


def model_input_matches_cpu(device: torch.device) -> bool:
    """Whether to_model_input on ``device`` gives the CPU's float32 values bit for bit
    (uint8 and float16 samples, normalised, raw and constant, with padding)."""
    from heatgait.data.model_input import stored_scaling, to_model_input

    rng = np.random.default_rng(0)
    samples = [(rng.random((6, 17, 64, 48)) ** 6 * 255).astype(np.uint8),
               np.full((6, 17, 64, 48), 9, np.uint8),
               (rng.random((6, 17, 64, 48)) ** 6).astype(np.float16)]
    same = True
    for stored in samples:
        for normalize in (True, False):
            x = torch.from_numpy(np.stack([stored, stored[::-1]]))  # [2, 6, 17, 64, 48]
            scaling = torch.from_numpy(np.stack([stored_scaling(s, normalize) for s in x.numpy()]))
            lengths = torch.tensor([6, 4])
            cpu = to_model_input(x, scaling, lengths)
            there = to_model_input(x.to(device), scaling.to(device), lengths.to(device))
            same &= torch.equal(there.cpu(), cpu)
    return same


def stage_synth(sizes: dict, work: Path, rec: Recorder, cap: float) -> None:
    started = time.perf_counter()
    workers = 0 if sizes["device"] == "cpu" else max(1, min(8, (os.cpu_count() or 2) - 2))
    source = synth_shards(work / "synth", sizes["synth_args"], workers, rec)
    from heatgait.data.shardset import ShardSet

    shards = ShardSet(work / "synth")
    rec.set(source=source, sequences=len(shards),
            frames=sum(s.num_frames for s in shards.sequences), render_workers=workers,
            seconds_to_write=round(time.perf_counter() - started, 2),
            headline=["source", "sequences", "frames"])


def stage_train(sizes: dict, work: Path, rec: Recorder, cap: float) -> None:
    """bf16 autocast, fp16 autocast + GradScaler, fp32: the loop's own train_step each."""
    from heatgait.training.loop import Precision

    device = torch.device(sizes["device"])
    batches, source = training_batches(work, sizes, device, count=4)
    rec.set(data=source, batch=f"{sizes['p']} x {sizes['k']} x {sizes['frames']}",
            width=sizes["channels"] or "full (64, 128, 256, 512)",
            headline=["bf16", "fp16", "fp32"])
    deadline = time.perf_counter() + cap - 5
    precisions = {
        "bf16": lambda: Precision(dtype=torch.bfloat16),
        "fp16": lambda: Precision(dtype=torch.float16,
                                  scaler=torch.amp.GradScaler(device.type)),
        "fp32": lambda: Precision(),
    }
    for position, (name, make) in enumerate(precisions.items()):
        budget = (deadline - time.perf_counter()) / (len(precisions) - position)
        with attempt(rec, name):
            rec.set(**{name: train_steps(sizes, device, batches, make(), budget)})


def train_steps(sizes: dict, device: torch.device, batches: list, precision: Any,
                budget: float) -> dict[str, Any]:
    from heatgait.errors import HeatgaitError
    from heatgait.models.losses import GaitHeatLoss
    from heatgait.training.distributed import DistContext
    from heatgait.training.loop import Optimisation, batch_to_device, train_step

    torch.manual_seed(0)
    model = make_model(sizes, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, [20_000, 40_000, 50_000], 0.1)
    opt = Optimisation(model, GaitHeatLoss(), optimizer, scheduler, precision)
    ctx = DistContext(rank=0, world_size=1, local_rank=0, device=device)
    reset_peak(device)
    warmup, steps = sizes["warmup_steps"], sizes["train_steps"]
    stop = time.perf_counter() + budget
    losses, times, nonfinite_at = [], [], None
    for i in range(warmup + steps):
        started = time.perf_counter()
        heatmaps, labels = batch_to_device(batches[i % len(batches)], device)
        try:
            result = train_step(opt, heatmaps, labels, i, ctx)  # syncs on the loss
        except HeatgaitError:
            nonfinite_at = i + 1
            break
        sync(device)
        losses.append(round(result.loss, 5))
        if i >= warmup:
            times.append(time.perf_counter() - started)
        if time.perf_counter() > stop and len(times) >= 3:
            break
    weights_finite = all(bool(torch.isfinite(p).all()) for p in model.parameters())
    step = float(np.median(times)) if times else None
    out = {"autocast": str(precision.dtype) if precision.dtype else "off",
           "grad_scaler": precision.scaler is not None,
           "steps": len(losses), "timed_steps": len(times), "step_s_median": step,
           "sequences_per_s": round(sizes["p"] * sizes["k"] / step, 2) if step else None,
           "peak_memory_gib": peak_memory_gib(device), "loss_finite": nonfinite_at is None,
           "nonfinite_at_step": nonfinite_at, "weights_finite": weights_finite,
           "first_loss": losses[0] if losses else None, "last_loss": losses[-1] if losses else None,
           "losses": losses}
    if precision.scaler is not None:
        out["final_loss_scale"] = float(precision.scaler.get_scale())
    if nonfinite_at is None and len(losses) < warmup + steps:
        out["note"] = f"stopped after {len(losses)} steps at the stage's time budget"
    return out


def stage_pgha(sizes: dict, work: Path, rec: Recorder, cap: float) -> None:
    from heatgait.models.align import align_heatmaps

    device = torch.device(sizes["device"])
    rec.set(frames_per_call=sizes["pgha_frames"], headline=["fp32_frames_per_s",
                                                            "bf16_frames_per_s"])
    for dtype in (torch.float32, torch.bfloat16):
        name = "fp32" if dtype == torch.float32 else "bf16"
        with attempt(rec, name):
            x = torch.rand(sizes["pgha_frames"], 17, 64, 48, device=device, dtype=dtype)
            align_heatmaps(x, 5.0, 1.0, training=True)  # every frame rotated (p_below = 1)
            sync(device)
            started = time.perf_counter()
            for _ in range(sizes["pgha_repeats"]):
                align_heatmaps(x, 5.0, 1.0, training=True)
            sync(device)
            rate = sizes["pgha_frames"] * sizes["pgha_repeats"] / (time.perf_counter() - started)
            rec.set(**{f"{name}_frames_per_s": round(rate)})


def stage_eval(sizes: dict, work: Path, rec: Recorder, cap: float) -> None:
    """A timed embedding pass at CASIA-B test size, its scoring, and embed_sequences itself."""
    from heatgait.data.model_input import to_model_input

    device = torch.device(sizes["device"])
    cuda = device.type == "cuda"
    deadline = time.perf_counter() + 0.7 * cap
    model = make_model(sizes, device).eval()
    pool, source = frame_pool(work, device, frames=2000)
    rng = np.random.default_rng(0)
    total = sizes["eval_sequences"]
    lo, hi = sizes["eval_lengths"]
    lengths = rng.integers(lo, hi + 1, size=total)
    rec.set(sequences=total, frames=int(lengths.sum()), lengths=f"{lo}-{hi} frames (uniform)",
            data=source, batch_sequences=sizes["eval_batch"], autocast="float16" if cuda else "off",
            headline=["embed_seconds", "sequences_per_s", "frames_per_s", "scoring_seconds"])
    outputs: list[np.ndarray] = []
    reset_peak(device)
    started = time.perf_counter()
    done = 0
    with torch.inference_mode(), torch.autocast(device.type, dtype=torch.float16, enabled=cuda):
        for first in range(0, total, sizes["eval_batch"]):
            part = lengths[first: first + sizes["eval_batch"]]
            stored, scaling, lengths_t = stored_test_batch(pool, part, rng, device)
            out = model(to_model_input(stored, scaling, lengths_t), lengths=lengths_t)
            outputs.append(out.float().cpu().numpy())  # [n, c, p]; waits for the GPU
            done += len(part)
            if time.perf_counter() > deadline:
                break
    seconds = time.perf_counter() - started
    frames_done = int(lengths[:done].sum())
    full = seconds * lengths.sum() / frames_done
    rec.set(sequences_done=done, embed_seconds=round(full, 2), extrapolated=done < total,
            sequences_per_s=round(done / seconds, 1), frames_per_s=round(frames_done / seconds),
            peak_memory_gib=peak_memory_gib(device))
    with attempt(rec, "scoring"):
        from heatgait.config import load_recipe  # needs pyyaml
        from heatgait.evaluation.protocols import evaluate_embeddings

        labels, types, views = casia_b_rows(total)
        embeddings = np.concatenate(outputs)
        started = time.perf_counter()
        result = evaluate_embeddings(embeddings, labels[:done], types[:done], views[:done],
                                     load_recipe("casia-b").eval)
        rec.set(scoring_seconds=round(time.perf_counter() - started, 2),
                rank1_mean_random_weights=result.mean.get("rank1"))
    with attempt(rec, "embed_sequences"):
        embed_real_shards(sizes, work, model, device, rec)


def embed_real_shards(sizes: dict, work: Path, model: torch.nn.Module, device: torch.device,
                      rec: Recorder) -> None:
    """heatgait's own embed_sequences (workers, pinned stored batches) on the synth test set."""
    from heatgait.data.shardset import ShardSet
    from heatgait.evaluation.embed import embed_sequences, select_test_sequences

    shards = ShardSet(work / "synth")
    rows = select_test_sequences(shards, work / "synth" / "split.json")
    workers = min(4, sizes["loader_workers"])
    started = time.perf_counter()
    embeddings = embed_sequences(model, shards, rows, device, batch_size=sizes["eval_batch"],
                                 num_workers=workers)[0]
    seconds = time.perf_counter() - started
    frames = sum(shards.sequences[i].num_frames for i in rows)
    rec.set(embed_sequences={"sequences": len(rows), "frames": frames, "workers": workers,
                             "seconds": round(seconds, 2), "frames_per_s": round(frames / seconds),
                             "finite": bool(np.isfinite(embeddings).all())})


def stage_loader(sizes: dict, work: Path, rec: Recorder, cap: float) -> None:
    """The training loader alone, then feeding run_loop: samples/s and GPU busy share."""
    rec.set(workers=sizes["loader_workers"], headline=["samples_per_s", "gpu_busy_share",
                                                       "step_s_median"])
    device = torch.device(sizes["device"])
    with attempt(rec, "loader_alone"):
        rec.set(**loader_alone(sizes, work, device))
    with attempt(rec, "feeding"):
        rec.set(**feed_training(sizes, work, device))


STAGE_FUNCTIONS = {"env": stage_env, "synth": stage_synth, "train": stage_train,
                   "pgha": stage_pgha, "eval": stage_eval, "loader": stage_loader}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=sorted(STAGE_FUNCTIONS))
    parser.add_argument("--sizes", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--cap", type=float, default=None)
    args = parser.parse_args()
    sizes = json.loads(args.sizes.read_text())
    cap = args.cap or sizes["caps"][args.stage]
    rec = Recorder(args.result)
    code = 0
    try:
        STAGE_FUNCTIONS[args.stage](sizes, args.work, rec, cap)
    except Exception as error:  # the stage's failure is its result
        traceback.print_exc()
        rec.fail("stage", error)
        code = 1
    loaded = sorted({m.split(".")[0] for m in sys.modules} & set(FORBIDDEN))
    rec.set(forbidden_imports=loaded, yaml_imported="yaml" in sys.modules,
            peak_rss_gib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2))
    return code


if __name__ == "__main__":
    sys.exit(main())
