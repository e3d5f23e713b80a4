"""What the GPU check's stages run on: synth shards, models, batches, and the loader runs.

Kept apart from ``gpu_stages.py`` (which measures and records) so each file has one job. The
data comes from shards written by ``heatgait synth`` wherever they exist; the fallbacks (a
library-rendered set when the CLI cannot run, random frames when no shards exist at all)
say so in the results.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

SYNTH = "synth"
TYPES = ["nm-01", "nm-02", "nm-03", "nm-04", "nm-05", "nm-06", "bg-01", "bg-02", "cl-01",
         "cl-02"]
VIEWS = [f"{v:03d}" for v in range(0, 181, 18)]
TRAIN_CLASSES = 74  # CASIA-B's training subjects: the classifier size of the paper's run


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory_gib(device: torch.device) -> float:
    """Peak allocated CUDA memory since reset_peak; on the CPU the process's peak RSS."""
    if device.type == "cuda":
        return round(torch.cuda.max_memory_allocated(device) / 2**30, 2)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)


def make_model(sizes: dict, device: torch.device) -> torch.nn.Module:
    """GaitHeat at the sizes' width (None: the paper's full width)."""
    from heatgait.models import create_model

    overrides: dict[str, Any] = {}
    if sizes["channels"]:
        overrides = {"channels": tuple(sizes["channels"]), "embed_dim": sizes["embed_dim"],
                     "parts": sizes["parts"]}
    return create_model("gaitheat", TRAIN_CLASSES, **overrides).to(device)


def synth_shards(out: Path, synth_args: list[str], workers: int, rec: Any) -> str:
    """``heatgait synth OUT ARGS``; without a working CLI (no pyyaml for its recipe file, or
    heatgait not installed), the same kind of set rendered through the library."""
    command = [sys.executable, "-m", "heatgait.cli.app", "synth", str(out), *synth_args,
               "--workers", str(workers), "--quiet"]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode == 0:
        return "heatgait synth " + " ".join(synth_args)
    tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-2:])
    rec.set(synth_cli_error=f"exit {proc.returncode}: {tail}")
    render_without_cli(out, synth_args)
    return "library renderer + write_shards (heatgait synth failed: see synth_cli_error)"


def render_without_cli(out: Path, synth_args: list[str]) -> None:
    """The synth renderer straight into shards + split.json (no recipe file: no pyyaml)."""
    from heatgait.data import SequenceRecord, Split, save_split, write_shards
    from heatgait.synth.params import draw_sequence, draw_subject
    from heatgait.synth.sequence import render_sequence

    parser = argparse.ArgumentParser()
    for name in ("--subjects", "--views", "--types", "--frames"):
        parser.add_argument(name)
    opts, _ = parser.parse_known_args(synth_args)
    subjects = int(opts.subjects)
    lo, hi = (int(x) for x in opts.frames.split(","))

    def records():
        for s in range(subjects):
            subject = draw_subject(np.random.default_rng([0, 1, s]))
            for type_ in opts.types.split(","):
                for view in opts.views.split(","):
                    rng = np.random.default_rng([0, 2, s, sum(map(ord, type_)), int(view)])
                    frames = int(rng.integers(lo, hi + 1))
                    seq = draw_sequence(rng, type_.split("-")[0], float(view))
                    r = render_sequence(subject, seq, frames)
                    yield SequenceRecord(
                        subject=f"{s + 1:03d}", type=type_, view=view, heatmaps=r.heatmaps,
                        keypoints=r.keypoints, boxes=r.boxes, frame_indices=np.arange(frames),
                        frame_scores=r.frame_scores, dataset="synthetic")

    write_shards(records(), out, prefix="synth", progress=False)
    ids = [f"{s + 1:03d}" for s in range(subjects)]
    save_split(Split(train=ids[: subjects // 2], test=ids[subjects // 2:]), out / "split.json")


def _train_loader(sizes: dict, work: Path, end: int, workers: int, pin: bool):
    from heatgait.data.shardset import ShardSet
    from heatgait.training.data import make_loader, select_training

    train = select_training(ShardSet(work / SYNTH), work / SYNTH / "split.json")
    loader, _ = make_loader(train, p=sizes["p"], k=sizes["k"], frames=sizes["frames"],
                            normalize=True, seed=0, rank=0, world_size=1, start=0, end=end,
                            num_workers=workers, pin_memory=pin)
    return loader


def training_batches(work: Path, sizes: dict, device: torch.device, count: int
                     ) -> tuple[list, str]:
    """``count`` stored training batches already on the device (synth shards, else random)."""
    from heatgait.data.model_input import StoredHeatmaps

    try:
        loader = _train_loader(sizes, work, count, workers=0, pin=False)
        batches = [StoredHeatmaps(*(t.to(device) for t in batch)) for batch in loader]
        return batches, "synth shards through make_loader (stored uint8 + scaling)"
    except Exception as error:  # any failure: measure on random data instead
        n = sizes["p"] * sizes["k"]
        batches = [StoredHeatmaps(
            torch.randint(0, 256, (n, sizes["frames"], 17, 64, 48), dtype=torch.uint8,
                          device=device),
            torch.tensor([[1 / 255, 0.0, 1.0]] * n, device=device),
            torch.arange(sizes["p"], device=device).repeat_interleave(sizes["k"]))
            for _ in range(count)]
        return batches, f"random uint8 (no synth shards: {type(error).__name__}: {error})"


def frame_pool(work: Path, device: torch.device, frames: int) -> tuple[torch.Tensor, str]:
    """Stored frames [F, 17, 64, 48] uint8 on the device to build test sequences from."""
    try:
        from heatgait.data.shardset import ShardSet

        shards = ShardSet(work / SYNTH)
        parts, total = [], 0
        for index in range(len(shards)):
            parts.append(shards.read_stored(index))
            total += len(parts[-1])
            if total >= frames:
                break
        pool = torch.from_numpy(np.concatenate(parts)).to(device)
        return pool, f"{len(pool)} frames of the synth shards"
    except Exception as error:  # any failure: random frames instead
        pool = torch.randint(0, 256, (frames, 17, 64, 48), dtype=torch.uint8, device=device)
        return pool, f"random uint8 frames (no synth shards: {type(error).__name__})"


def stored_test_batch(pool: torch.Tensor, lengths: np.ndarray, rng: np.random.Generator,
                      device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A padded stored test batch as collate_stored_sequences gives it, built on the device:
    (heatmaps [n, t_max, 17, 64, 48] uint8, scaling [n, 3], lengths [n])."""
    n, t = len(lengths), int(lengths.max())
    starts = torch.as_tensor(rng.integers(0, len(pool), size=n), device=pool.device)
    index = (starts[:, None] + torch.arange(t, device=pool.device)[None]) % len(pool)  # [n, t]
    lengths_t = torch.as_tensor(lengths, device=device)
    real = (torch.arange(t, device=device)[None] < lengths_t[:, None])[..., None, None, None]
    stored = pool[index] * real  # [n, t, 17, 64, 48], zero padding
    scale = torch.full((n,), 1 / 255, device=device)
    high = stored.flatten(1).amax(1).float() * scale
    low = torch.where(real, stored, 255).flatten(1).amin(1).float() * scale
    span = torch.where(high - low < 1e-6, 0.0, high - low)
    return stored, torch.stack([scale, low, span], 1), lengths_t


def casia_b_rows(total: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, types and views of CASIA-B's test set (5,500 less 14 missing = 5,486); the
    first ``total`` of them (whole subjects first)."""
    rows = [(f"{s:03d}", t, v) for s in range(75, 125) for t in TYPES for v in VIEWS]
    missing = set(np.random.default_rng(seed).choice(len(rows), size=14, replace=False).tolist())
    kept = [row for i, row in enumerate(rows) if i not in missing][:total]
    return tuple(np.asarray(column) for column in zip(*kept))  # type: ignore[return-value]


def loader_alone(sizes: dict, work: Path, device: torch.device) -> dict[str, Any]:
    """Samples/s of the training DataLoader by itself (its first batch excluded)."""
    cuda = device.type == "cuda"
    loader = _train_loader(sizes, work, sizes["loader_steps"] + 1, sizes["loader_workers"], cuda)
    iterator = iter(loader)
    first = next(iterator)
    started, count = time.perf_counter(), 0
    for _ in iterator:
        count += 1
    seconds = time.perf_counter() - started
    return {"samples_per_s": round(count * sizes["p"] * sizes["k"] / seconds, 1),
            "batch_dtype": str(first.heatmaps.dtype).replace("torch.", ""),
            "batch_mb": round(first.heatmaps.numel() * first.heatmaps.element_size() / 1e6, 1),
            "pinned": bool(first.heatmaps.is_pinned()) if cuda else False}


def feed_training(sizes: dict, work: Path, device: torch.device) -> dict[str, Any]:
    """The loader feeding ``run_loop`` (the precision training picks): step time, data wait,
    and the GPU's busy share = the sum of the steps' CUDA-event times over the span of the
    measured steps on the GPU's clock (warm-up steps excluded)."""
    from heatgait.models.losses import GaitHeatLoss
    from heatgait.training.distributed import DistContext
    from heatgait.training.loop import Optimisation, Precision, run_loop

    cuda = device.type == "cuda"
    torch.manual_seed(0)
    model = make_model(sizes, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, [20_000, 40_000, 50_000], 0.1)
    precision = Precision.for_device(device, amp=True)
    opt = Optimisation(model, GaitHeatLoss(), optimizer, scheduler, precision)
    ctx = DistContext(rank=0, world_size=1, local_rank=0, device=device)
    warm = max(1, sizes["warmup_steps"])
    total = warm + sizes["loader_steps"]
    loader = _train_loader(sizes, work, total, sizes["loader_workers"], cuda)
    waits: list[float] = []
    done: list[float] = []
    starts: list[Any] = []
    ends: list[Any] = []

    def mark(events: list[Any]) -> None:
        if cuda:
            events.append(torch.cuda.Event(enable_timing=True))
            events[-1].record()

    def fed(batches):
        iterator = iter(batches)
        while True:
            asked = time.perf_counter()
            try:
                batch = next(iterator)
            except StopIteration:
                return
            waits.append(time.perf_counter() - asked)
            mark(starts)
            yield batch

    def on_step(result: Any) -> None:
        mark(ends)
        done.append(time.perf_counter())

    run_loop(opt, fed(loader), ctx, 0, total, on_step)
    sync(device)
    wall = done[-1] - done[warm - 1]
    data_wait = sum(waits[warm:]) / wall
    if cuda:
        busy = sum(starts[i].elapsed_time(ends[i]) for i in range(warm, total))
        busy /= ends[warm - 1].elapsed_time(ends[-1])
        basis = "CUDA events: sum of step spans / span of the measured steps"
    else:
        busy, basis = 1.0 - data_wait, "CPU wall clock: 1 - data wait share"
    steps = np.diff(done[warm - 1:])
    return {"precision": str(precision.dtype or "fp32").replace("torch.", ""),
            "steps": total - warm, "step_s_median": round(float(np.median(steps)), 4),
            "sequences_per_s_fed": round(sizes["p"] * sizes["k"] / float(np.median(steps)), 1),
            "data_wait_share": round(data_wait, 3), "gpu_busy_share": round(min(busy, 1.0), 3),
            "busy_share_basis": basis}
