"""The prepared GPU check: every CUDA path of heatgait measured once, into one JSON file.

    bash benchmarks/gpu_check.sh [--out gpu_check.json] [--budget 400]   # on a GPU machine
    bash benchmarks/gpu_check.sh --smoke --out /tmp/smoke.json             # CPU, toy sizes
    python -m benchmarks.gpu_check --help                                  # the Python side

Stages, each in its own process under a hard time cap (a hung kernel, an out-of-memory crash
or a timeout costs that stage only; its error goes into the JSON and the run goes on):

- ``env``: torch / CUDA / GPU facts, the precision heatgait's training would pick.
- ``synth``: shards written by ``heatgait synth`` (the loader and evaluation stages read them).
- ``train``: GaitHeat training steps (full width, P x K x frames = 8 x 8 x 30) with AMP bf16,
  AMP fp16 + GradScaler and fp32: sequences/s, peak memory, loss finite over 50 steps.
- ``pgha``: PGHA frames/s on the device (training mode, fp32 and bf16 input).
- ``eval``: a timed embedding pass over a CASIA-B-sized test set (5,486 sequences of 70-130
  frames, built on the device from synth frames) with embed_sequences' settings, the CASIA-B
  protocol scored on those embeddings, and the real ``embed_sequences`` on the synth test
  shards.
- ``loader``: the training DataLoader (real workers, pinned stored batches) feeding training
  steps through ``run_loop``: samples/s alone, and the share of wall time the GPU is busy.
- ``estimate_60k``: the paper's 60k iterations at the measured speed (computed, no process).

Sizes and caps live in :data:`FULL` and :data:`SMOKE`; the stages in ``gpu_stages.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STAGES = ("env", "synth", "train", "pgha", "eval", "loader")
SCHEMA = "heatgait-gpu-check/1"


@dataclass
class Sizes:
    """What each stage measures, and its hard time cap in seconds."""

    device: str = "cuda"
    channels: list[int] | None = None  # None: the paper's full width (64, 128, 256, 512)
    embed_dim: int = 256
    parts: int = 16
    p: int = 8
    k: int = 8
    frames: int = 30
    train_steps: int = 50
    warmup_steps: int = 3
    pgha_frames: int = 1920  # the frames of one 8 x 8 x 30 batch
    pgha_repeats: int = 20
    eval_sequences: int = 5486
    eval_lengths: tuple[int, int] = (70, 130)  # frames per test sequence (assumed, CASIA-B-like)
    eval_batch: int = 16
    synth_args: list[str] = field(default_factory=lambda: [
        "--subjects", "20", "--views", "000,090,180", "--types", "nm-01,nm-02,nm-03,nm-04",
        "--frames", "60,100"])
    loader_workers: int = 8
    loader_steps: int = 30
    caps: dict[str, float] = field(default_factory=lambda: {
        "env": 20, "synth": 60, "train": 140, "pgha": 25, "eval": 90, "loader": 85})


FULL = Sizes(loader_workers=max(2, min(8, (os.cpu_count() or 4) - 2)))
SMOKE = Sizes(  # the narrow network of the training tests: seconds a stage on a 2-core CPU
    device="cpu", channels=[4, 8, 8, 16], embed_dim=8, parts=4, p=2, k=2, frames=3,
    train_steps=2, warmup_steps=1, pgha_frames=64, pgha_repeats=2, eval_sequences=110,
    eval_lengths=(2, 3), eval_batch=16,
    synth_args=["--subjects", "4", "--views", "000,090", "--types", "nm-01,nm-02",
                "--frames", "6,8"],
    loader_workers=2, loader_steps=3,  # generous caps: the smoke run checks, it does not time
    caps={"env": 300, "synth": 300, "train": 300, "pgha": 300, "eval": 300, "loader": 300})


def run_stage(name: str, sizes: Sizes, work: Path, cap: float, log: Path) -> dict[str, Any]:
    """One stage in a child process under a hard cap; whatever it wrote survives a kill.

    The child leads its own process group, so a kill at the cap also ends its DataLoader
    workers and rendering processes. Its output is appended to ``log``.
    """
    result = work / f"{name}.json"
    config = work / "sizes.json"
    config.write_text(json.dumps(dataclasses.asdict(sizes)))
    command = [sys.executable, "-m", "benchmarks.gpu_stages", name, "--sizes", str(config),
               "--work", str(work), "--result", str(result), "--cap", str(cap)]
    started = time.perf_counter()
    error = None
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(f"===== {name} (cap {cap:.0f} s)\n")
        handle.flush()
        proc = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=cap)
            if code != 0:
                error = f"exit {code}: {_last_lines(log)}"
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            error = f"stopped at its {cap:.0f} s cap (partial results kept)"
    out: dict[str, Any] = {}
    if result.exists():
        try:
            out = json.loads(result.read_text())
        except json.JSONDecodeError as exc:
            error = (error + "; " if error else "") + f"unreadable result ({exc})"
    out["seconds"] = round(time.perf_counter() - started, 2)
    out["cap_s"] = cap
    out["ok"] = error is None and not out.get("errors")
    if error:
        out["error"] = error
    return out


def _last_lines(log: Path, count: int = 3) -> str:
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return " | ".join(lines[-count:])


def estimate_60k(results: dict[str, Any], iterations: int = 60_000) -> dict[str, Any]:
    """Time for the paper's run from the measured step times (data-fed if measured)."""
    train, loader = results.get("train", {}), results.get("loader", {})
    default = results.get("env", {}).get("training_precision") or "fp32"
    step = train.get(default, {}).get("step_s_median")
    fed = loader.get("step_s_median")
    out: dict[str, Any] = {"iterations": iterations, "precision": default}
    if step:
        out["compute_only_hours"] = round(iterations * step / 3600, 2)
    if fed:
        out["with_loader_hours"] = round(iterations * fed / 3600, 2)
    if step and fed:
        out["limited_by"] = "data loading" if fed > 1.05 * step else "compute"
    for name in ("bf16", "fp16", "fp32"):
        seconds = train.get(name, {}).get("step_s_median")
        if seconds:
            out[f"{name}_compute_hours"] = round(iterations * seconds / 3600, 2)
    out["headline"] = [k for k in ("compute_only_hours", "with_loader_hours", "limited_by")
                       if k in out]
    out["ok"] = bool(step or fed)
    if not out["ok"]:
        out["error"] = "no step time was measured (see train and loader)"
    return out


def summary_lines(results: dict[str, Any]) -> list[str]:
    lines = []
    for name in (*STAGES, "estimate_60k"):
        stage = results.get(name, {})
        status = "ok" if stage.get("ok") else f"FAILED ({stage.get('error') or stage.get('errors')})"
        keys = {k: v for k, v in stage.items() if k in stage.get("headline", [])}
        lines.append(f"{name:<13} {status}  {json.dumps(keys)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="toy sizes on the CPU (tests)")
    parser.add_argument("--out", type=Path, default=Path("gpu_check.json"))
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds for all stages together, caps shrink to fit "
                             "(default 400; 1800 with --smoke)")
    parser.add_argument("--only", default="", help="comma-separated stages, e.g. env,train")
    parser.add_argument("--cap", action="append", default=[], metavar="STAGE=SECONDS",
                        help="override one stage's cap (repeatable)")
    parser.add_argument("--device", default=None, help="cuda (default) or cpu (smoke)")
    args = parser.parse_args(argv)
    sizes = dataclasses.replace(SMOKE if args.smoke else FULL)
    budget = args.budget if args.budget is not None else (1800.0 if args.smoke else 400.0)
    if args.device:
        sizes.device = args.device
    for item in args.cap:
        name, _, seconds = item.partition("=")
        if name not in STAGES or not seconds:
            parser.error(f"--cap {item!r}: use STAGE=SECONDS with a stage of {', '.join(STAGES)}")
        sizes.caps[name] = float(seconds)
    wanted = [s for s in args.only.split(",") if s] or list(STAGES)
    unknown = sorted(set(wanted) - set(STAGES))
    if unknown:
        parser.error(f"--only: unknown stages {unknown}; use {', '.join(STAGES)}")

    started = time.perf_counter()
    results: dict[str, Any] = {
        "schema": SCHEMA, "smoke": args.smoke, "started": dt.datetime.now().isoformat(
            timespec="seconds"), "command": sys.argv, "sizes": dataclasses.asdict(sizes),
        "install": os.environ.get("HEATGAIT_GPU_CHECK_INSTALL", "not recorded"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    log = args.out.with_suffix(".log")
    log.write_text("")
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        work = Path(tmp)
        for name in wanted:
            left = budget - (time.perf_counter() - started)
            later = sum(min(sizes.caps[s], 10.0) for s in wanted[wanted.index(name) + 1:])
            cap = max(1.0, min(sizes.caps[name], left - later))
            print(f"[gpu_check] {name} (cap {cap:.0f} s)", flush=True)
            results[name] = run_stage(name, sizes, work, cap, log)
            args.out.write_text(json.dumps(results, indent=2, default=str))  # kept if killed
    results["estimate_60k"] = estimate_60k(results)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    args.out.write_text(json.dumps(results, indent=2, default=str))
    print("\n".join(summary_lines(results)))
    print(f"[gpu_check] {results['seconds']:.0f} s; results in {args.out}, logs in {log}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
