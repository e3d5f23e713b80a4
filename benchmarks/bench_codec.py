"""Heatmap chunk codecs: bytes per frame and CPU to read a 30-frame training sample.

The frames are real heatmaps (``bench_shade.py --cache``: BlazePose on vtest.avi), or the
blob heatmaps of bench_storage.py without a cache, stored as heatgait stores them (one frame a
chunk, ``--storage``, default the writers' default) with each codec: gzip-4 (heatgait's, read
by its raw-chunk + zlib path, heatgait.data.frames.read_frames) and the ``hdf5plugin`` filters
LZ4, Zstd and Blosc2 (read by h5py's filter pipeline, the only way heatgait could read them
without a decompressor of its own). CPU = process time of one process reading ``--samples``
samples of 30 random frames of random sequences, as the training loader draws them.

    python benchmarks/bench_codec.py --cache /tmp/shade.npz [--samples 400]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
from bench_storage import realistic_heatmaps
from common import report

from heatgait.data.frames import read_frames
from heatgait.data.schema import DEFAULT_STORAGE, HEATMAP_SHAPE, encode_heatmaps


def codecs() -> dict[str, dict]:
    """Name -> h5py create_dataset options."""
    out: dict[str, dict] = {"gzip-4": {"compression": "gzip", "compression_opts": 4},
                            "gzip-1": {"compression": "gzip", "compression_opts": 1}}
    try:
        import hdf5plugin
    except ImportError:
        print("hdf5plugin is not installed: gzip only (pip install hdf5plugin)")
        return out
    out.update({
        "lz4": dict(hdf5plugin.LZ4()),
        "zstd-1": dict(hdf5plugin.Zstd(clevel=1)),
        "zstd-3": dict(hdf5plugin.Zstd(clevel=3)),
        "zstd-9": dict(hdf5plugin.Zstd(clevel=9)),
        "blosc2-lz4": dict(hdf5plugin.Blosc2(cname="lz4", clevel=5,
                                              filters=hdf5plugin.Blosc2.NOFILTER)),
        "blosc2-zstd-3": dict(hdf5plugin.Blosc2(cname="zstd", clevel=3,
                                                 filters=hdf5plugin.Blosc2.NOFILTER)),
        "blosc2-zstd-3-bitshuffle": dict(hdf5plugin.Blosc2(
            cname="zstd", clevel=3, filters=hdf5plugin.Blosc2.BITSHUFFLE)),
    })
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="bench_shade.py's npz")
    parser.add_argument("--storage", default=DEFAULT_STORAGE)
    parser.add_argument("--samples", type=int, default=400)
    args = parser.parse_args()
    if args.cache is not None:
        with np.load(args.cache) as data:
            sequences = [data[n] for n in data.files if n.startswith("blazepose:")]
        source = f"BlazePose on vtest.avi ({args.cache.name})"
    else:
        sequences = [realistic_heatmaps(90, seed=i) for i in range(12)]
        source = "blob heatmaps of bench_storage.py"
    stored = [encode_heatmaps(h, args.storage) for h in sequences]
    frames = sum(len(s) for s in stored)
    print(f"{source}: {len(stored)} sequences, {frames} frames, storage {args.storage}")
    rng = np.random.default_rng(0)
    draws = [(i, np.sort(rng.choice(len(stored[i]), 30, replace=len(stored[i]) < 30)))
             for i in rng.integers(0, len(stored), args.samples)]
    print(f"{'codec':26} {'KB/frame':>9} {'CPU ms/sample':>14} {'write s':>8}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, options in codecs().items():
            path = Path(tmp) / f"{name}.h5"
            start = time.perf_counter()
            with h5py.File(path, "w") as f:
                for i, s in enumerate(stored):
                    f.create_dataset(str(i), data=s, chunks=(1, *HEATMAP_SHAPE), **options)
            write_s = time.perf_counter() - start
            with h5py.File(path, "r") as f:
                size = sum(f[str(i)].id.get_storage_size() for i in range(len(stored)))
                datasets = [f[str(i)] for i in range(len(stored))]
                for i, picks in draws[:20]:  # warm-up (page cache, plugin loading)
                    read_frames(datasets[i], np.unique(picks))
                cpu = time.process_time()
                for i, picks in draws:
                    out = read_frames(datasets[i], np.unique(picks))
                    assert np.array_equal(out, stored[i][np.unique(picks)])
                cpu_ms = (time.process_time() - cpu) / len(draws) * 1000
            results[name] = (size / frames / 1024, cpu_ms)
            print(f"{name:26} {size / frames / 1024:9.2f} {cpu_ms:14.2f} {write_s:8.2f}",
                  flush=True)
    base_kb, base_ms = results["gzip-4"]
    for name, (kb, ms) in results.items():
        if name != "gzip-4":
            print(f"{name}: {kb / base_kb:.2f}x the bytes, {base_ms / ms:.2f}x the read speed "
                  "of gzip-4")
    report("codec_gzip4_cpu_ms_per_sample", base_ms, "ms", higher_is_better=False)


if __name__ == "__main__":
    main()
