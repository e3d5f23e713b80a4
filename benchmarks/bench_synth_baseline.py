"""Fairness report of the synthetic gait set: nearest-neighbour baseline rank-1 and speed.

Generates a synthetic CASIA-B-style set (through the shard writer, into a temporary folder
unless --out is given), scores the non-learned baseline of ``heatgait.synth.baseline`` on its
test subjects and prints rank-1 per condition next to chance, plus generation throughput.
With --in-memory the shards are skipped (quicker when tuning the generator).

    python benchmarks/bench_synth_baseline.py --subjects 100 --frames 30,40
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from heatgait.synth.baseline import (
    chance_level,
    cross_view_rank1,
    energy_feature,
    nearest_neighbour_rank1,
)
from heatgait.synth.generate import SynthOptions, generate_dataset, make_record, make_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subjects", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frames", default="30,40")
    parser.add_argument("--tilt-deg", type=float, default=SynthOptions.tilt_deg)
    parser.add_argument("--offset-px", type=float, default=SynthOptions.offset_px)
    parser.add_argument("--out", type=Path, default=None, help="keep the shards here")
    parser.add_argument("--in-memory", action="store_true", help="render and score, no shards")
    args = parser.parse_args()
    lo, hi = (int(x) for x in args.frames.split(","))
    opts = SynthOptions(subjects=args.subjects, seed=args.seed, frames=(lo, hi),
                        tilt_deg=args.tilt_deg, offset_px=args.offset_px)
    split = make_split(opts)

    start = time.perf_counter()
    if args.in_memory:
        feats, labels, frames = [], [], 0
        first = opts.subjects - len(split.test)
        for i in range(first, opts.subjects):
            for seq_type in opts.types:
                for view in opts.views:
                    record = make_record(opts, i, seq_type, view)
                    feats.append(energy_feature(record.heatmaps))
                    labels.append((record.subject, record.type, record.view))
                    frames += record.num_frames
        elapsed = time.perf_counter() - start
        subjects, types, views = zip(*labels)
        scores = cross_view_rank1(np.stack(feats), subjects, types, views)
        sequences = len(feats)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out = args.out or Path(tmp)
            summary = generate_dataset(out, opts)
            elapsed = time.perf_counter() - start
            frames, sequences = summary.frames, summary.sequences
            scores = nearest_neighbour_rank1(out, summary.split)

    print(f"generated {sequences} sequences, {frames} frames in {elapsed:.1f} s "
          f"({frames / elapsed:.0f} frames/s, {'in memory' if args.in_memory else 'to shards'})")
    print(f"test subjects: {len(split.test)}   chance: {chance_level(split):.2f}%")
    for name, per_view in scores.items():
        views = "  ".join(f"{v}:{r:5.1f}" for v, r in per_view.items() if v != "mean")
        print(f"{name}: mean rank-1 {per_view['mean']:6.2f}%   {views}")


if __name__ == "__main__":
    main()
