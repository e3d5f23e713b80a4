"""Loader throughput against h5py alone, memory over a long run, and index open time.

    python benchmarks/bench_loader.py [--batches 200] [--ref-batches 40] [--compare-float]
        [--compression zstd-3|gzip-4]

1. Writes a shard folder of realistic heatmaps (gaussian blobs, see bench_storage.py; 120
   sequences of 80-99 frames, stored as heatgait writes them: the default storage and
   ``--compression``) and reads 30-frame
   training samples through the training loader itself (heatgait.training.data.make_loader:
   8 x 8 P x K batches, a real DataLoader with 2 workers, batches shipped as stored uint8 +
   scaling). Reports samples/s and the RSS of main + workers after the first batch, halfway
   and at the end (flat RSS: nothing accumulates per read).
2. The reference, "h5py alone": the same frames of the same samples (the loader's own first
   ``--ref-batches`` batches: same shards, same (seed, step, slot) frame draws), read with
   plain h5py into a uint8 array, one ``Dataset.read_direct`` per run of consecutive frames
   (the usual way; it includes HDF5's gzip decompression), nothing else: no CRC check, no
   scaling, no collation, no inter-process transfer. Measured in 1 process and in 2 processes
   (each reading half the samples, timed from a common start). The ratio reported is
   loader samples/s (2 workers) / h5py-alone samples/s (2 processes).
3. ``--compare-float``: the same loader shipping float32 normalised in the workers (the
   path before device-side normalisation), over ``--ref-batches`` batches.
4. Writes index-only shards (256 rows each, as a 100k-sequence data set would have) and times
   opening a ShardSet over them: the open touches indexes only, never sequence groups.
"""

from __future__ import annotations

import argparse
import inspect
import json
import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
from bench_storage import realistic_heatmaps
from common import report

import heatgait
from heatgait.data.codecs import COMPRESSIONS, DEFAULT_COMPRESSION
from heatgait.data.records import SequenceRecord
from heatgait.data.schema import INDEX_DATASET, SCHEMA_VERSION, SEQUENCES_GROUP, index_dtype
from heatgait.data.shards import ShardSet, write_shards
from heatgait.training.data import make_loader, select_training

SEED, P, K, FRAMES, WORKERS = 0, 8, 8, 30, 2


def rss_mb(pids: list[int]) -> float:
    """Resident memory of some processes, in MB (from /proc)."""
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by some processes (from /proc/PID/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return total / ticks


def write_data(folder: Path, sequences: int, frames: int, compression: str) -> Path:
    """The shard folder (kept as it is when it already holds shards) and its split file."""
    split = folder.parent / "split.json"
    if any(folder.glob("*.h5")) and split.exists():
        print(f"reusing the shards in {folder}")
        return split

    def records():
        for i in range(sequences):
            t = frames + i % 20
            yield SequenceRecord(f"{i // 4:03d}", f"nm-{i % 4:02d}", "090",
                                 realistic_heatmaps(t, seed=i), np.zeros((t, 17, 3)),
                                 np.zeros((t, 4)), np.arange(t), np.ones(t))
    start = time.perf_counter()
    write_shards(records(), folder, progress=False, sequences_per_shard=64,
                 compression=compression)
    total_frames = sum(frames + i % 20 for i in range(sequences))
    size = sum(p.stat().st_size for p in folder.glob("*.h5"))
    print(f"wrote {sequences} sequences, {total_frames} frames in "
          f"{time.perf_counter() - start:.1f} s; {size / total_frames / 1024:.1f} KB/frame")
    subjects = sorted({f"{i // 4:03d}" for i in range(sequences)})
    split.write_text(json.dumps({"TRAIN_SET": subjects, "TEST_SET": []}))
    return split


def loader(folder: Path, split: Path, batches: int, ship_stored: bool):
    """The training loader; an older checkout on PYTHONPATH (no ship_stored) gives its own
    float32 loader, which is how the 'before' figure in the README was measured."""
    train = select_training(ShardSet(folder), split)
    options = {}
    if "ship_stored" in inspect.signature(make_loader).parameters:
        options["ship_stored"] = ship_stored
    return make_loader(train, p=P, k=K, frames=FRAMES, normalize=True, seed=SEED, rank=0,
                       world_size=1, start=0, end=batches, num_workers=WORKERS,
                       pin_memory=False, **options)


def selections(folder: Path, split: Path, batches: int) -> list[tuple[Path, str, np.ndarray]]:
    """(shard, group, sorted unique frames) of every sample of the loader's first batches."""
    data_loader, tags = loader(folder, split, batches, ship_stored=True)
    dataset = data_loader.dataset
    out = []
    for batch in tags:
        for step, slot, item in batch:
            info = dataset.shards.sequences[dataset.indices[item]]
            rng = np.random.default_rng([SEED, step, 0, slot])
            picks = dataset.sample_positions(info.num_frames, rng)
            out.append((info.shard, info.group, np.unique(picks)))
    return out


def h5py_read(samples: list[tuple[Path, str, np.ndarray]]) -> None:
    """The reference read: plain h5py, one read_direct per run of consecutive frames."""
    handles: dict[Path, h5py.File] = {}
    for shard, group, frames in samples:
        if shard not in handles:
            handles[shard] = h5py.File(shard, "r")
        dataset = handles[shard][SEQUENCES_GROUP][group]["heatmaps"]
        out = np.empty((len(frames), *dataset.shape[1:]), dtype=dataset.dtype)
        start = 0
        for run in np.split(frames, np.flatnonzero(np.diff(frames) != 1) + 1):
            dataset.read_direct(out, np.s_[run[0]: run[-1] + 1], np.s_[start: start + len(run)])
            start += len(run)
    for handle in handles.values():
        handle.close()


def _timed_part(samples, barrier, results) -> None:
    barrier.wait()
    start, cpu = time.perf_counter(), time.process_time()
    h5py_read(samples)
    results.put((time.perf_counter() - start, time.process_time() - cpu))


def h5py_rate(samples: list, processes: int) -> tuple[float, float]:
    """(samples/s, CPU ms a sample) of plain h5py reads in ``processes`` processes."""
    if processes == 1:
        h5py_read(samples[:64])  # warm the page cache and h5py's imports
        start, cpu = time.perf_counter(), time.process_time()
        h5py_read(samples)
        wall, used = time.perf_counter() - start, time.process_time() - cpu
        return len(samples) / wall, 1000 * used / len(samples)
    context = mp.get_context("fork")
    barrier, results = context.Barrier(processes), context.Queue()
    parts = [samples[i::processes] for i in range(processes)]
    procs = [context.Process(target=_timed_part, args=(part, barrier, results)) for part in parts]
    for proc in procs:
        proc.start()
    times = [results.get() for _ in procs]
    for proc in procs:
        proc.join()
    return (len(samples) / max(wall for wall, _ in times),
            1000 * sum(used for _, used in times) / len(samples))


def loader_rate(folder: Path, split: Path, batches: int, ship_stored: bool
                ) -> tuple[float, float, list[float], int]:
    """(samples/s and CPU ms a sample (main + workers) over batches 2.., RSS [after batch 1,
    halfway, end], bytes of one batch)."""
    data_loader, _ = loader(folder, split, batches, ship_stored)
    iterator = iter(data_loader)
    first = next(iterator)
    nbytes = first[0].numel() * first[0].element_size()
    pids = [w.pid for w in iterator._workers] + [os.getpid()]
    rss = [rss_mb(pids)]
    start, cpu = time.perf_counter(), cpu_seconds(pids)
    for done, _ in enumerate(iterator, start=2):
        if done == batches // 2:
            rss.append(rss_mb(pids))
    elapsed, used = time.perf_counter() - start, cpu_seconds(pids) - cpu
    rss.append(rss_mb(pids))
    del iterator
    samples = (batches - 1) * P * K
    return samples / elapsed, 1000 * used / samples, rss, nbytes


def loader_benchmark(folder: Path, sequences: int, frames: int, batches: int,
                     ref_batches: int, compare_float: bool, compression: str) -> None:
    split = write_data(folder, sequences, frames, compression)
    print(f"heatgait from {Path(heatgait.__file__).parent}")
    load = os.getloadavg()[0]
    rate, cpu_ms, rss, nbytes = loader_rate(folder, split, batches, ship_stored=True)
    print(f"loader, 2 workers, batches of {nbytes / 1e6:.0f} MB: "
          f"{rate:.0f} thirty-frame samples/s over {batches - 1} batches of {P * K}; "
          f"{cpu_ms:.1f} CPU ms a sample (main + workers); load average {load:.1f}")
    print(f"RSS main+workers: {rss[0]:.0f} MB after the first batch, {rss[1]:.0f} MB at batch "
          f"{batches // 2}, {rss[2]:.0f} MB after batch {batches}")
    samples = selections(folder, split, ref_batches)
    load_ref = os.getloadavg()[0]
    alone_1, cpu_1 = h5py_rate(samples, 1)
    alone_2, cpu_2 = h5py_rate(samples, 2)
    print(f"h5py alone, same frames of the loader's first {ref_batches} batches "
          f"({len(samples)} samples): {alone_1:.0f} samples/s in 1 process, "
          f"{alone_2:.0f} samples/s in 2 processes; {cpu_1:.1f} / {cpu_2:.1f} CPU ms a sample; "
          f"load average {load_ref:.1f}")
    print(f"ratio loader (2 workers) / h5py alone (2 processes): {rate / alone_2:.0%} by "
          f"samples/s (wall clock), {cpu_2 / cpu_ms:.0%} by CPU time a sample (h5py alone's "
          "CPU ms / the loader's: what the ratio would be on otherwise idle cores)")
    report("loader_samples_per_s", rate, "samples/s", 200, "goal")
    report("loader_vs_h5py_alone_2proc", rate, "samples/s", alone_2, "h5py alone, 2 processes")
    report("loader_cpu_ms_per_sample", cpu_ms, "ms", cpu_2, "h5py alone, 2 processes",
           higher_is_better=False)
    report("h5py_alone_samples_per_s_1proc", alone_1, "samples/s")
    report("loader_rss_growth", rss[2] - rss[0], "MB", higher_is_better=False)
    if compare_float:
        old, old_cpu, _, old_bytes = loader_rate(folder, split, ref_batches, ship_stored=False)
        print(f"same loader shipping float32 normalised in the workers ({old_bytes / 1e6:.0f} MB "
              f"a batch): {old:.0f} samples/s over {ref_batches - 1} batches, {old_cpu:.1f} CPU "
              "ms a sample")
        report("loader_float32_samples_per_s", old, "samples/s", rate, "stored uint8 loader")


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
    parser.add_argument("--batches", type=int, default=200, help="loader batches (memory run)")
    parser.add_argument("--ref-batches", type=int, default=40,
                        help="batches whose frames h5py alone reads (and --compare-float runs)")
    parser.add_argument("--compare-float", action="store_true")
    parser.add_argument("--compression", default=DEFAULT_COMPRESSION, choices=COMPRESSIONS,
                        help="chunk codec of the shards written (heatgait.data.codecs)")
    parser.add_argument("--index-size", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=None,
                        help="shard folder to write once and reuse (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp) / "data"
        data.mkdir(parents=True, exist_ok=True)
        (Path(tmp) / "index").mkdir()
        loader_benchmark(data, args.sequences, args.frames, args.batches,
                         args.ref_batches, args.compare_float, args.compression)
        index_open_time(Path(tmp) / "index", args.index_size)


if __name__ == "__main__":
    main()
