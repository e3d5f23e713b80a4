"""Loader throughput, memory growth, and index open time. Run by hand:

    python benchmarks/bench_loader.py [--sequences 120] [--frames 80] [--batches 60]

1. Writes a shard folder of realistic heatmaps (gaussian blobs, see bench_storage.py) and
   reads 30-frame training samples through a DataLoader with 2 workers and an 8 x 8 PK
   sampler: samples/s, and RSS of main + workers at the start and end of the run (flat RSS
   means nothing accumulates per read: only h5py's small chunk caches stay resident).
2. Writes index-only shards (256 rows each, as a 100k-sequence data set would have) and times
   opening a ShardSet over them: the open touches indexes only, never sequence groups.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
from bench_storage import realistic_heatmaps
from common import report
from torch.utils.data import DataLoader

from heatgait.data.dataset import TrainingSequences, subject_label_map
from heatgait.data.records import SequenceRecord
from heatgait.data.sampler import PKBatchSampler
from heatgait.data.schema import INDEX_DATASET, SCHEMA_VERSION, index_dtype
from heatgait.data.shards import ShardSet, write_shards


def rss_mb(pids: list[int]) -> float:
    """Resident memory of some processes, in MB (from /proc)."""
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def loader_throughput(folder: Path, sequences: int, frames: int, batches: int) -> None:
    def records():
        for i in range(sequences):
            t = frames + i % 20
            yield SequenceRecord(f"{i // 4:03d}", f"nm-{i % 4:02d}", "090",
                                 realistic_heatmaps(t, seed=i), np.zeros((t, 17, 3)),
                                 np.zeros((t, 4)), np.arange(t), np.ones(t))
    start = time.perf_counter()
    write_shards(records(), folder, progress=False, sequences_per_shard=64)
    total_frames = sum(frames + i % 20 for i in range(sequences))
    size = sum(p.stat().st_size for p in folder.glob("*.h5"))
    print(f"wrote {sequences} sequences, {total_frames} frames in "
          f"{time.perf_counter() - start:.1f} s; {size / total_frames / 1024:.1f} KB/frame")
    shards = ShardSet(folder)
    labels = subject_label_map(s.subject for s in shards.sequences)
    data = TrainingSequences(shards, range(len(shards)), labels, frames=30)
    sampler = PKBatchSampler(data.labels, p=8, k=8)
    loader = DataLoader(data, batch_sampler=sampler, num_workers=2, persistent_workers=True)
    iterator = iter(loader)
    next(iterator)
    pids = [w.pid for w in iterator._workers]
    pids.append(os.getpid())
    rss_start = rss_mb(pids)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    elapsed = time.perf_counter() - start
    rss_end = rss_mb(pids)
    print(f"30-frame samples/s with 2 workers: {batches * 64 / elapsed:.0f} "
          f"({batches} batches of 64)")
    print(f"RSS main+workers: {rss_start:.0f} MB after the first batch, "
          f"{rss_end:.0f} MB after {batches} more")
    report("loader_samples_per_s", batches * 64 / elapsed, "samples/s", 200, "goal")
    report("loader_rss_growth", rss_end - rss_start, "MB", higher_is_better=False)


def index_open_time(folder: Path, total: int, per_shard: int = 256) -> None:
    rows = np.zeros(per_shard, dtype=index_dtype(24))
    for shard in range(total // per_shard):
        for r in range(per_shard):
            n = shard * per_shard + r
            rows[r] = (f"{n // 100:05d}/nm-{n % 10:02d}/{n % 11 * 18:03d}".encode(),
                       f"{n // 100:05d}".encode(), f"nm-{n % 10:02d}".encode(),
                       f"{n % 11 * 18:03d}".encode(), b"synthetic", f"{r:06d}".encode(), 80)
        with h5py.File(folder / f"shard-{shard:05d}.h5", "w") as handle:
            handle.attrs["schema_version"] = SCHEMA_VERSION
            handle.create_dataset(INDEX_DATASET, data=rows)
    start = time.perf_counter()
    shards = ShardSet(folder)
    elapsed = time.perf_counter() - start
    print(f"ShardSet open over {len(shards)} sequences in {total // per_shard} shards: "
          f"{elapsed:.2f} s")
    report("shardset_open_100k", elapsed, "s", 1.0, "goal", higher_is_better=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=120)
    parser.add_argument("--frames", type=int, default=80)
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--index-size", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "data").mkdir()
        (Path(tmp) / "index").mkdir()
        loader_throughput(Path(tmp) / "data", args.sequences, args.frames, args.batches)
        index_open_time(Path(tmp) / "index", args.index_size)


if __name__ == "__main__":
    main()
