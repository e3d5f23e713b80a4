"""Same losses from the stored-uint8 loader as from the float32 one: the learning test's run.

    python benchmarks/bench_loader_losses.py --data DIR --out new.json [--float] [--iterations 120]
    python benchmarks/bench_loader_losses.py --compare a.json b.json

Trains the learning test's setting (tests/test_learning.py: synthetic set, 1/8-width GaitHeat,
4 x 4 x 8 batches, SGD, a real DataLoader worker) and writes the loss of every step to a JSON
file. ``--float`` uses the loader that normalises float32 in the workers
(``ship_stored=False``); run against an older checkout (PYTHONPATH pointing at it) the script
uses that checkout's loader, which has no ``ship_stored``. ``--compare`` prints the step-by-step
differences of two such files. The data set is made in ``--data`` if it is not there yet.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def train_losses(data: Path, iterations: int, ship_stored: bool) -> dict:
    from heatgait.data.shardset import ShardSet
    from heatgait.models.factory import build_model
    from heatgait.models.losses import GaitHeatLoss
    from heatgait.training.data import make_loader, select_training
    from heatgait.training.distributed import DistContext
    from heatgait.training.loop import Optimisation, run_loop
    from tests.test_learning import small_recipe

    recipe = small_recipe(data, iterations=iterations)
    cfg, dcfg = recipe.train, recipe.data
    train_set = select_training(ShardSet(data), data / "split.json")
    torch.manual_seed(cfg.seed)
    model = build_model(recipe.model, len(train_set.label_map))
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum,
                                weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, cfg.milestones, cfg.lr_gamma)
    loss_fn = GaitHeatLoss(cfg.triplet_margin, cfg.ce_scale, cfg.label_smoothing)
    opt = Optimisation(model, loss_fn, optimizer, scheduler)
    ctx = DistContext(rank=0, world_size=1, local_rank=0, device=torch.device("cpu"))
    options = {}
    if "ship_stored" in inspect.signature(make_loader).parameters:
        options["ship_stored"] = ship_stored
    loader, _ = make_loader(train_set, p=dcfg.batch_p, k=dcfg.batch_k,
                            frames=dcfg.frames_per_sequence, normalize=True, seed=cfg.seed,
                            rank=0, world_size=1, start=0, end=iterations, num_workers=1,
                            pin_memory=False, **options)
    losses: list[float] = []
    started = time.perf_counter()
    run_loop(opt, loader, ctx, 0, iterations, lambda result: losses.append(result.loss))
    loader_kind = ("stored uint8 + to_model_input" if options.get("ship_stored")
                   else "float32 normalised in the workers"
                   + ("" if options else " (a checkout without ship_stored)"))
    import heatgait

    return {"loader": loader_kind, "heatgait": str(Path(heatgait.__file__).parent),
            "iterations": iterations, "losses": losses,
            "seconds": round(time.perf_counter() - started, 1)}


def compare(a: dict, b: dict) -> None:
    x, y = np.asarray(a["losses"]), np.asarray(b["losses"])
    n = min(len(x), len(y))
    diff = np.abs(x[:n] - y[:n])
    rel = diff / np.maximum(np.abs(x[:n]), 1e-12)
    print(f"A: {a['loader']} ({a.get('heatgait')})\nB: {b['loader']} ({b.get('heatgait')})\n"
          f"{n} steps")
    for step in sorted({0, 1, 9, 29, 59, 89, n - 1} & set(range(n))):
        print(f"  step {step + 1:4d}: {x[step]:.6f} vs {y[step]:.6f}  |diff| {diff[step]:.2e}")
    worst = int(np.argmax(rel))
    print(f"max |diff| {diff.max():.3e}, max relative {rel.max():.3e} (step {worst + 1}); "
          f"first step with relative > 1e-4: "
          f"{next((i + 1 for i, r in enumerate(rel) if r > 1e-4), 'none')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--iterations", type=int, default=120)
    parser.add_argument("--float", action="store_true", help="the float32 loader path")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    args = parser.parse_args()
    if args.compare:
        compare(*(json.loads(p.read_text()) for p in args.compare))
        return
    if args.data is None or args.out is None:
        parser.error("--data and --out are needed (or --compare A B)")
    if not (args.data / "split.json").exists():
        from tests.test_learning import make_data

        make_data(args.data)
    result = train_losses(args.data, args.iterations, ship_stored=not args.float)
    args.out.write_text(json.dumps(result))
    print(f"{result['loader']}: {args.iterations} steps in {result['seconds']} s, "
          f"final loss {result['losses'][-1]:.4f}")


if __name__ == "__main__":
    main()
