"""Bytes per frame on disk for each heatmap storage/compression, on realistic heatmaps.

Synthetic blobs here; real BlazePose heatmaps (and what each storage erases): bench_shade.py.
Realistic means what a top-down pose model emits: one smooth gaussian blob per joint (sigma 2
heatmap pixels, peak 0.5-1, joints moving smoothly along a walk) on a floor of small noise.
Compared with the reference float16 pickles (17*64*48*2 bytes a frame). Run by hand:

    python benchmarks/bench_storage.py [--frames 300]
"""

from __future__ import annotations

import argparse
import pickle
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
from common import report

from heatgait.data.codecs import filter_options, plugins_available
from heatgait.data.schema import (
    DEFAULT_STORAGE,
    HEATMAP_H,
    HEATMAP_SHAPE,
    HEATMAP_W,
    NUM_JOINTS,
    encode_heatmaps,
)


def realistic_heatmaps(frames: int, seed: int = 0, noise: float = 0.01) -> np.ndarray:
    """Gaussian-blob heatmaps of a walking skeleton: [T, 17, 64, 48] float32 in [0, 1]."""
    rng = np.random.default_rng(seed)
    base = np.stack([rng.uniform(12, 36, NUM_JOINTS), np.linspace(8, 58, NUM_JOINTS)], 1)  # [17, 2]
    phase = rng.uniform(0, 2 * np.pi, NUM_JOINTS)
    t = np.arange(frames)[:, None]
    x = base[:, 0] + 4 * np.sin(2 * np.pi * t / 25 + phase)  # [T, 17]
    y = base[:, 1] + 1 * np.cos(2 * np.pi * t / 25 + phase)
    peak = rng.uniform(0.5, 1.0, (frames, NUM_JOINTS))
    yy, xx = np.mgrid[0:HEATMAP_H, 0:HEATMAP_W]
    d2 = (xx[None, None] - x[..., None, None]) ** 2 + (yy[None, None] - y[..., None, None]) ** 2
    maps = peak[..., None, None].astype(np.float32) * np.exp(-d2.astype(np.float32) / 8.0)
    maps += np.abs(rng.normal(0, noise, maps.shape))
    return np.clip(maps, 0, 1).astype(np.float32)


def measure(heatmaps: np.ndarray, storage: str, compression: str | None, level: int | None,
            folder: Path) -> tuple[float, float, float]:
    """(bytes per frame, write MB/s of raw float32, read frames/s) for one setting."""
    stored = encode_heatmaps(heatmaps, storage)
    path = folder / f"{storage}-{compression}-{level}.h5"
    start = time.perf_counter()
    with h5py.File(path, "w") as f:
        options = (filter_options("zstd-3") if compression == "zstd" else
                   {"compression": compression, "compression_opts": level})
        f.create_dataset("h", data=stored, chunks=(1, *HEATMAP_SHAPE), **options)
    write_s = time.perf_counter() - start
    start = time.perf_counter()
    with h5py.File(path, "r") as f:
        for i in range(len(heatmaps)):
            f["h"][i]
    read_s = time.perf_counter() - start
    n = len(heatmaps)
    return path.stat().st_size / n, heatmaps.nbytes / write_s / 1e6, n / read_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--noise", type=float, default=0.01)
    args = parser.parse_args()
    heatmaps = realistic_heatmaps(args.frames, noise=args.noise)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pkl = folder / "ref.pkl"
        pkl.write_bytes(pickle.dumps(heatmaps.astype(np.float16)))
        print(f"reference float16 pickle: {pkl.stat().st_size / args.frames / 1024:8.1f} KB/frame")
        print(f"{'storage':10} {'compression':12} {'KB/frame':>9} {'write MB/s':>11} {'read fr/s':>10}")
        settings = [("uint8", None, None), ("uint8", "lzf", None), ("uint8", "gzip", 1),
                    ("uint8", "gzip", 4), ("uint8", "gzip", 9), ("uint8-sqrt", "gzip", 4),
                    ("float16", "gzip", 4), ("float16", "lzf", None)]
        if plugins_available():
            settings += [("uint8", "zstd", 3), ("uint8-sqrt", "zstd", 3), ("float16", "zstd", 3)]
        for storage, compression, level in settings:
            size, write_mb, read_fps = measure(heatmaps, storage, compression, level, folder)
            name = f"{compression}{'' if level is None else '-' + str(level)}"
            print(f"{storage:10} {name:12} {size / 1024:9.1f} {write_mb:11.0f} {read_fps:10.0f}")
            if (storage, compression, level) == (DEFAULT_STORAGE, "zstd", 3):
                report("storage_kb_per_frame", size / 1024, "KB/frame",
                       pkl.stat().st_size / args.frames / 1024, "reference float16 pickle",
                       higher_is_better=False)


if __name__ == "__main__":
    main()
