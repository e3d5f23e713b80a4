"""Training speed and the PGHA ablation, run by hand (prints numbers; no assertions).

    python benchmarks/bench_train_step.py                 # sequences/s of full train steps
    python benchmarks/bench_train_step.py --compare-pgha  # gaitheat vs gaitheat-nopgha rank-1
                                                          # on tilted, off-centre synthetic data
    python benchmarks/bench_train_step.py --compare model.translate_below=false \\
        model.translate_below=true                        # rank-1 of recipe variants, the
                                                          # learning test's setting and seed
    python benchmarks/bench_train_step.py --syncs         # host-device synchronisations per
                                                          # step of the training loop

--syncs runs the loop's own ``run_loop`` (batch to device, train_step) for --steps steps and
counts the host reads of device values per step: on CUDA with
``torch.cuda.set_sync_debug_mode("warn")`` (each synchronising call warns once), elsewhere with a
counter of every Tensor call that makes the host wait for a value (``item``, ``tolist``,
``__bool__``, ``__float__``, ``__int__``, ``numpy``, ``cpu``) on a tensor other than the loader's
batch (which is in host memory on CUDA as well), each listed with where it came from.

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


def compare_settings(variants: list[str], iterations: int) -> None:
    """Rank-1 of the learning test's setting under each ``--set`` override (same data and seed).

    Each variant is one override or several joined by commas (``a=1,b=2``).
    """
    with tempfile.TemporaryDirectory() as tmp:
        data = make_data(Path(tmp) / "synth")
        print(f"learning-test set, {iterations} iterations per variant; {machine()}")
        scores = {"nearest-neighbour": baseline(data)}
        for variant in variants:
            started = time.perf_counter()
            scores[variant] = fit_and_score(data, shuffle=False, iterations=iterations,
                                            extra=tuple(variant.split(",")))
            print(f"{variant}: trained + evaluated in {time.perf_counter() - started:.0f} s")
    width = max(len(v) for v in scores) + 2
    print(f"{'rank-1 (%)':<{width}}" + "".join(f"{c:>8}" for c in (*PROBES, "mean")))
    for name, per_set in scores.items():
        values = [per_set[c] for c in PROBES]
        print(f"{name:<{width}}" + "".join(f"{v:8.1f}" for v in (*values, sum(values) / 3)))


HOST_READS = {"item", "tolist", "__bool__", "__float__", "__int__", "__index__", "numpy", "cpu"}


def _caller() -> str:
    """file:line of the first frame outside torch and this benchmark."""
    import traceback

    for frame in reversed(traceback.extract_stack()[:-2]):
        if "/torch/" not in frame.filename and not frame.filename.endswith(__file__):
            return f"{Path(frame.filename).name}:{frame.lineno}"
    return "?"


def count_syncs(model_name: str, p: int, k: int, frames: int, steps: int, device: str) -> None:
    import warnings
    from collections import Counter

    from torch.overrides import TorchFunctionMode

    from heatgait.models import create_model
    from heatgait.models.losses import GaitHeatLoss
    from heatgait.training.distributed import DistContext
    from heatgait.training.loop import Optimisation, Precision, run_loop

    dev = torch.device(device)
    ctx = DistContext(rank=0, world_size=1, local_rank=0, device=dev)
    model = create_model(model_name, p).to(dev)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[10**6])
    opt = Optimisation(model, GaitHeatLoss(), optimizer, scheduler,
                       Precision.for_device(dev, amp=True))
    g = torch.Generator().manual_seed(0)
    batches = [(torch.rand(p * k, frames, 17, 64, 48, generator=g),
                torch.arange(p).repeat_interleave(k)) for _ in range(steps + 1)]
    run_loop(opt, batches[:1], ctx, 0, 1, lambda r: None)  # warm-up step, not counted
    sites: Counter[str] = Counter()
    # the loader's batches live in host memory (on CUDA too): reading them waits for nothing
    host_tensors = {id(t) for batch in batches for t in batch}

    class HostReads(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            if (getattr(func, "__name__", "") in HOST_READS
                    and not (args and id(args[0]) in host_tensors)):
                sites[_caller()] += 1
            return func(*args, **(kwargs or {}))

    if dev.type == "cuda":
        torch.cuda.synchronize()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.cuda.set_sync_debug_mode("warn")
            run_loop(opt, batches[1:], ctx, 1, 1 + steps, lambda r: None)
            torch.cuda.set_sync_debug_mode("default")
        for w in caught:
            if "synchroniz" in str(w.message):
                sites[f"{Path(w.filename).name}:{w.lineno}"] += 1
        how = "torch.cuda.set_sync_debug_mode"
    else:
        with HostReads():
            run_loop(opt, batches[1:], ctx, 1, 1 + steps, lambda r: None)
        how = "counter of host reads"
    total = sum(sites.values())
    print(f"{model_name} on {device}, {steps} steps of P x K x frames = {p} x {k} x {frames} "
          f"({how}): {total / steps:.2f} synchronisations per step")
    for site, n in sites.most_common():
        print(f"  {n / steps:.2f}/step  {site}")
    report(f"train_step_host_syncs_{device}", total / steps, "per step")


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
    parser.add_argument("--compare", nargs="+", metavar="SET",
                        help="rank-1 of each recipe override on the learning test's setting")
    parser.add_argument("--syncs", action="store_true",
                        help="count host-device synchronisations per training step")
    parser.add_argument("--tilt-deg", type=float, default=25.0)
    parser.add_argument("--offset-px", type=float, default=6.0)
    parser.add_argument("--tilt-fraction", type=float, default=0.8)
    parser.add_argument("--iterations", type=int, default=ITERATIONS)
    args = parser.parse_args()
    if args.compare:
        compare_settings(args.compare, args.iterations)
    elif args.syncs:
        count_syncs(args.model, args.p, args.k, args.frames, args.steps, args.device)
    elif args.compare_pgha:
        compare_pgha(args.tilt_deg, args.offset_px, args.tilt_fraction, args.iterations)
    else:
        bench_steps(args.model, args.p, args.k, args.frames, args.steps, args.device)


if __name__ == "__main__":
    main()
