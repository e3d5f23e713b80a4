"""Rank-1 of the learning test's training with each heatmap storage of the same synthetic set.

The set and the training are tests/test_learning.py's (24 synthetic subjects, 1/8-width
GaitHeat, P x K = 4 x 4, 4 frames, SGD; the real sampler, DataLoader worker, loop, embedding
and evaluator): the same records written once per storage (``heatgait.data.schema.STORAGES``),
then the same seeded training on each. Also prints what each storage erases of the set
(benchmarks/bench_shade.py's measure). Run by hand (about 2-5 min a storage on one core):

    python benchmarks/bench_storage_learning.py [--iterations 120] [--threads 1]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch
from bench_shade import shade_stats
from common import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.test_learning

from heatgait.data.schema import STORAGES
from heatgait.data.shards import write_shards
from heatgait.synth.generate import SynthOptions, iter_records
from tests.test_learning import fit_and_score, make_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=120)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--storages", default=",".join(STORAGES))
    parser.add_argument("--work", type=Path, default=None, help="keep the sets here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    work = args.work or Path(tempfile.mkdtemp(prefix="storage-learning-"))
    base = make_data(work / "generated")  # the test's own set: split.json, recipe.yaml
    opts = SynthOptions(subjects=24, seed=11, views=("000", "054", "090", "126", "180"),
                        types=("nm-01", "nm-02", "nm-05", "bg-01", "cl-01"), frames=(10, 16))
    floats = [r.heatmaps for r in iter_records(opts, progress=False)]
    print(f"synthetic set: {len(floats)} sequences, {sum(len(h) for h in floats)} frames")
    results = {}
    for storage in args.storages.split(","):
        folder = work / storage
        if not any(folder.glob("*.h5")):
            folder.mkdir(parents=True, exist_ok=True)
            for name in ("split.json", "recipe.yaml"):
                shutil.copy(base / name, folder / name)
            write_shards(iter_records(opts, progress=False), folder, prefix="synth",
                         storage=storage, progress=False)
        stats = shade_stats(floats, storage)
        start = time.perf_counter()
        rank1 = fit_and_score(folder, shuffle=False, iterations=args.iterations)
        seconds = time.perf_counter() - start
        results[storage] = rank1
        print(f"{storage:11} erased px {100 * stats['erased_px']:.2f} %, normalised "
              f"{100 * stats['norm_erased_px']:.2f} %; rank-1 "
              + " / ".join(f"{k} {v:.1f}" for k, v in rank1.items()) + f"  ({seconds:.0f} s)",
              flush=True)
        report(f"learning_{storage}_rank1_mean", sum(rank1.values()) / len(rank1), "%")
    if args.work is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
