"""What each heatmap storage erases of real pose heatmaps, and what it costs on disk.

Real heatmaps: heatgait's own stage 1 on vtest.avi (the BlazePose person detector + the
BlazePose heatmap backend, every walker tracked as a sequence, float32 heatmaps taken before
they are stored), and optionally (``--hrnet``) mmpose HRNet-W32 with random weights on the
same crops. For each storage (``heatgait.data.schema.STORAGES``) it encodes and decodes every
sequence as a shard does and reports, over all pixels of all sequences:

- erased px: the share of non-zero float pixels that decode to exactly 0;
- erased mass: the share of the total heatmap mass (sum of values) held by those pixels;
- L1: sum |decoded - float| / sum float, the whole error, not only erased pixels;
- the same three after the per-sequence min-max normalisation the model applies
  (heatgait.data.dataset.min_max_normalize, DESIGN 4), where "non-zero" means above the
  sequence's minimum;
- KB/frame: the bytes of the heatmaps dataset in a real shard (ShardWriter, gzip-4, one frame
  a chunk) per frame.

The float heatmaps are cached in ``--cache`` (npz), so a second run skips the extraction:

    python benchmarks/bench_shade.py [--frames 120] [--hrnet 8] [--cache /tmp/shade.npz]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
from common import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.footage

from heatgait.data.dataset import min_max_normalize
from heatgait.data.records import SequenceRecord
from heatgait.data.schema import STORAGES, decode_heatmaps, encode_heatmaps
from heatgait.data.shards import ShardWriter


def blazepose_sequences(frames: int) -> list[SequenceRecord]:
    """Stage 1 of heatgait on the first ``frames`` frames of vtest.avi, every walker a record."""
    from heatgait.config import ExtractConfig
    from heatgait.extract.detection.detectors import build_detector
    from heatgait.extract.job.inputs import SequenceSource
    from heatgait.extract.job.sequence import extract_sequence
    from heatgait.extract.pose.backends import build_pose
    from tests.footage import require_vtest

    cfg = ExtractConfig(pose="blazepose", detector="blazepose", max_frames=frames,
                        min_track_frames=10)
    source = SequenceSource("vtest", "seq", "000", require_vtest(), "video")
    result = extract_sequence(source, build_detector("blazepose"), build_pose("blazepose"), cfg,
                              multi_person=True, overlap=False)
    return result.records


def hrnet_heatmaps(records: list[SequenceRecord], frames: int) -> list[np.ndarray]:
    """HRNet-W32 (random weights, seed 0, flip test) heatmaps of the same crops as the first
    ``frames`` frames of each BlazePose record (HRNet runs at about 0.3 crops/s on this CPU)."""
    import torch

    from heatgait.extract.job.video import iter_frames
    from heatgait.extract.pose.backends import build_pose
    from heatgait.extract.pose.crop import crop_people
    from tests.footage import require_vtest

    torch.manual_seed(0)
    pose = build_pose("hrnet", random_init=True)
    last = max(int(r.frame_indices.max()) for r in records)
    video = [f for i, f in zip(range(last + 1), iter_frames(require_vtest()))]
    out = []
    for record in records:
        crops = crop_people([video[i] for i in record.frame_indices[:frames]],
                            record.boxes[:frames])
        out.append(np.concatenate([pose(crops[i: i + 8])[0] for i in range(0, len(crops), 8)]))
    return out


def shade_stats(sequences: list[np.ndarray], storage: str) -> dict[str, float]:
    """Erased pixels, erased mass and L1, raw and min-max normalised, over all sequences."""
    sums = dict.fromkeys(("nz", "erased", "mass", "erased_mass", "l1", "n_nz", "n_erased",
                          "n_mass", "n_erased_mass", "n_l1"), 0.0)

    def add(prefix: str, original: np.ndarray, decoded: np.ndarray) -> None:
        nonzero = original > 0
        gone = nonzero & (decoded == 0)
        sums[prefix + "nz"] += nonzero.sum()
        sums[prefix + "erased"] += gone.sum()
        sums[prefix + "mass"] += original.sum(dtype=np.float64)
        sums[prefix + "erased_mass"] += original[gone].sum(dtype=np.float64)
        sums[prefix + "l1"] += np.abs(decoded - original).sum(dtype=np.float64)

    for heatmaps in sequences:
        floats = np.clip(heatmaps, 0.0, 1.0).astype(np.float32)  # what the writer is given
        decoded = decode_heatmaps(encode_heatmaps(floats, storage), storage)
        add("", floats, decoded)
        add("n_", min_max_normalize(floats), min_max_normalize(decoded))
    return {"erased_px": sums["erased"] / sums["nz"], "erased_mass": sums["erased_mass"] /
            sums["mass"], "l1": sums["l1"] / sums["mass"],
            "norm_erased_px": sums["n_erased"] / sums["n_nz"],
            "norm_erased_mass": sums["n_erased_mass"] / sums["n_mass"],
            "norm_l1": sums["n_l1"] / sums["n_mass"]}


def kb_per_frame(sequences: list[np.ndarray], storage: str, folder: Path) -> float:
    """Heatmap bytes per frame in a real shard written by ShardWriter."""
    path = folder / f"{storage}.h5"
    path.unlink(missing_ok=True)
    with ShardWriter(path, storage) as writer:
        for i, heatmaps in enumerate(sequences):
            t = len(heatmaps)
            writer.write(SequenceRecord(f"{i:03d}", "nm-01", "000", heatmaps,
                                        np.zeros((t, 17, 3), np.float32),
                                        np.zeros((t, 4), np.float32), np.arange(t),
                                        np.ones(t, np.float32)))
    with h5py.File(path, "r") as f:
        stored = sum(group["heatmaps"].id.get_storage_size() for group in f["sequences"].values())
    return stored / sum(len(h) for h in sequences) / 1024


def save(path: Path, sets: dict[str, list[np.ndarray]]) -> None:
    np.savez(path, **{f"{m}:{i:03d}": h for m, hs in sets.items() for i, h in enumerate(hs)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=120, help="frames of vtest.avi")
    parser.add_argument("--hrnet", type=int, default=0, metavar="N",
                        help="also HRNet-W32 (random weights) on N frames of each sequence")
    parser.add_argument("--cache", type=Path, default=None, help="npz of the float heatmaps")
    args = parser.parse_args()
    sets: dict[str, list[np.ndarray]] = {}
    if args.cache is not None and args.cache.exists():
        with np.load(args.cache) as data:
            for name in data.files:
                model, _ = name.split(":")
                sets.setdefault(model, []).append(data[name])
    if "blazepose" not in sets:
        start = time.perf_counter()
        records = blazepose_sequences(args.frames)
        sets["blazepose"] = [r.heatmaps for r in records]
        print(f"extracted {len(records)} BlazePose sequences in {time.perf_counter() - start:.0f} s")
        if args.cache is not None:
            save(args.cache, sets)
        if args.hrnet:
            sets["hrnet-random"] = hrnet_heatmaps(records, args.hrnet)
            if args.cache is not None:
                save(args.cache, sets)
    with tempfile.TemporaryDirectory() as tmp:
        for model, sequences in sets.items():
            frames = sum(len(h) for h in sequences)
            floats = np.concatenate([h.ravel() for h in sequences])
            below = float((floats < 0.5 / 255).mean())
            print(f"\n{model}: {len(sequences)} sequences, {frames} frames; pixels below 1/510: "
                  f"{100 * below:.1f} %, min {floats.min():.3g}, max {floats.max():.3g}")
            print(f"{'storage':11} {'erased px':>10} {'erased mass':>12} {'L1':>9} "
                  f"{'norm: erased px':>16} {'erased mass':>12} {'L1':>9} {'KB/frame':>9}")
            for storage in STORAGES:
                s = shade_stats(sequences, storage)
                kb = kb_per_frame(sequences, storage, Path(tmp))
                print(f"{storage:11} {100 * s['erased_px']:9.2f}% {100 * s['erased_mass']:11.4f}%"
                      f" {100 * s['l1']:8.3f}% {100 * s['norm_erased_px']:15.2f}%"
                      f" {100 * s['norm_erased_mass']:11.4f}% {100 * s['norm_l1']:8.3f}% "
                      f"{kb:9.1f}")
                report(f"shade_{model}_{storage}_erased_px", 100 * s["erased_px"], "%",
                       higher_is_better=False)
                report(f"storage_{model}_{storage}_kb_per_frame", kb, "KB/frame",
                       higher_is_better=False)


if __name__ == "__main__":
    main()
