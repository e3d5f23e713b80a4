"""Regenerated heatmaps (Table 4's transform) per second, against reading raw heatmaps.

A training sample regenerates its 30 frames from the whole sequence's keypoints (imputation
looks at every frame); a test sequence regenerates all its frames. Both are timed on
synthetic walking sequences, next to decoding the same frames' raw heatmaps from a shard.

Run by hand:  python benchmarks/bench_regenerate.py [--frames 60] [--repeats 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
from common import report

from heatgait.data import ShardSet, write_shards
from heatgait.data.regenerate import regenerate_heatmaps
from heatgait.synth.generate import SynthOptions, make_record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60, help="frames per sequence")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    options = SynthOptions(subjects=2, frames=(args.frames, args.frames))
    record = make_record(options, 0, "nm-01", "090")
    keypoints = record.keypoints  # [t, 17, 3]
    rng = np.random.default_rng(0)
    samples = [np.sort(rng.choice(args.frames, 30, replace=False)) for _ in range(args.repeats)]

    start = time.perf_counter()
    for _ in range(args.repeats):
        regenerate_heatmaps(keypoints)
    whole = args.repeats * args.frames / (time.perf_counter() - start)
    start = time.perf_counter()
    for picks in samples:
        regenerate_heatmaps(keypoints, frames=picks)
    sampled = args.repeats * 30 / (time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as folder:
        write_shards([record], folder, progress=False)
        shards = ShardSet(folder)
        shards.read(0)  # open the file once
        start = time.perf_counter()
        for picks in samples:
            shards.read(0, picks)
        raw = args.repeats * 30 / (time.perf_counter() - start)
        shards.close()
    print(f"{args.frames}-frame sequence: whole {whole:.0f} frames/s, 30-frame samples "
          f"{sampled:.0f} frames/s; raw shard read {raw:.0f} frames/s")
    report("regenerated heatmaps, whole sequence", whole, "frames/s")
    report("regenerated heatmaps, 30-frame samples", sampled, "frames/s", raw,
           "raw heatmaps read from a shard")


if __name__ == "__main__":
    main()
