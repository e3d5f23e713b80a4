"""Training speed and the PGHA ablation, run by hand (prints numbers; no assertions).

    python benchmarks/bench_train_step.py                 # sequences/s of full train steps
    python benchmarks/bench_train_step.py --compare-pgha  # gaitheat vs gaitheat-nopgha rank-1
                                                          # on tilted, off-centre synthetic data

The step benchmark times forward + loss + backward + SGD step on random heatmaps (no data
loading) for the recipe's P x K x frames batch. The ablation trains the learning test's
reduced-width setting (tests/test_learning.py) on a synthetic set where most sequences are
rolled by up to --tilt-deg and shifted by up to --offset-px, and scores both variants.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine, report
from tests.test_learning import ITERATIONS, PROBES, baseline, fit_and_score, make_data


def bench_steps(model_name: str, p: int, k: int, frames: int, steps: int, device: str) -> None:
    from heatgait.models import create_model
    from heatgait.models.losses import GaitHeatLoss
    from heatgait.training.loop import Precision

    dev = torch.device(device)
    model = create_model(model_name, 74).to(dev).train()
    loss_fn = GaitHeatLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    precision = Precision.for_device(dev, amp=True)
    x = torch.rand(p * k, frames, 17, 64, 48, device=dev)  # [n, t, 17, 64, 48]
    y = torch.arange(p, device=dev).repeat_interleave(k)
    times = []
    for _ in range(steps + 1):
        started = time.perf_counter()
        with precision.autocast(dev):
            out = model(x)
        loss, _ = loss_fn(out, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    per_step = sorted(times[1:])[len(times[1:]) // 2]
    print(f"{model_name} {device} P x K x frames = {p} x {k} x {frames}: "
          f"{per_step:.3f} s/step, {p * k / per_step:.1f} sequences/s "
          f"(amp {precision.dtype}, threads {torch.get_num_threads()})")


def compare_pgha(tilt: float, offset: float, fraction: float, iterations: int) -> None:
    """GaitHeat vs gaitheat-nopgha, the learning test's setting on tilted, off-centre data."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        data = make_data(Path(tmp) / "tilted", tilt_deg=tilt, tilt_fraction=fraction,
                         offset_px=offset, offset_fraction=fraction)
        print(f"synthetic set: tilt 3..{tilt} deg and offset up to {offset} px on "
              f"{fraction:.0%} of sequences ({time.perf_counter() - started:.0f} s); "
              f"{iterations} iterations per model; {machine()}")
        scores = {"nearest-neighbour": baseline(data)}
        for name in ("gaitheat", "gaitheat-nopgha"):
            started = time.perf_counter()
            scores[name] = fit_and_score(data, shuffle=False, iterations=iterations,
                                         model_name=name)
            print(f"{name}: trained + evaluated in {time.perf_counter() - started:.0f} s")
    print(f"{'rank-1 (%)':<20}" + "".join(f"{c:>8}" for c in (*PROBES, "mean")))
    for name, per_set in scores.items():
        values = [per_set[c] for c in PROBES]
        print(f"{name:<20}" + "".join(f"{v:8.1f}" for v in (*values, sum(values) / len(values))))
    for condition in PROBES:
        report(f"pgha_rank1_{condition}_tilt{tilt:g}", scores["gaitheat"][condition], "%",
               scores["gaitheat-nopgha"][condition], "gaitheat-nopgha")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gaitheat")
    parser.add_argument("--p", type=int, default=8)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--compare-pgha", action="store_true")
    parser.add_argument("--tilt-deg", type=float, default=25.0)
    parser.add_argument("--offset-px", type=float, default=6.0)
    parser.add_argument("--tilt-fraction", type=float, default=0.8)
    parser.add_argument("--iterations", type=int, default=ITERATIONS)
    args = parser.parse_args()
    if args.compare_pgha:
        compare_pgha(args.tilt_deg, args.offset_px, args.tilt_fraction, args.iterations)
    else:
        bench_steps(args.model, args.p, args.k, args.frames, args.steps, args.device)


if __name__ == "__main__":
    main()
