"""Keypoint import at OU-MVLP-Pose scale: sequences/s, bytes a frame, loader samples/s.

OU-MVLP-Pose holds ~290,000 sequences of ~25 frames (7 million frames), one OpenPose JSON per
frame. Here synthetic walkers (heatgait.synth) are written in exactly that layout
(``<id>/<view>_<seq>/<frame>_keypoints.json``, COCO-18) and imported with ``pose-model``
rendering, timed in three parts (read the JSON, render, encode + write the shard). Then:

- the same import with ``--storage keypoints`` (no maps drawn or stored);
- bytes a frame on disk: the stored maps (uint8-sqrt, zstd-3) against the keypoints and boxes
  that a keypoints-only shard would keep;
- loader samples/s of one worker (30-frame training samples, what a DataLoader worker does):
  reading stored maps (``data.heatmaps: raw``) against rendering them from the stored keypoints
  at load time (``data.heatmaps: rendered``).

Run by hand:  python benchmarks/bench_import_keypoints.py [--walkers 200] [--frames 25]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
from common import machine, report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout: tests.extract

from heatgait.data.dataset import TrainingSequences
from heatgait.data.shards import write_shards
from heatgait.data.shardset import ShardSet
from heatgait.extract.keypoints.formats import read_folder
from heatgait.extract.keypoints.importer import import_keypoints, to_record
from heatgait.extract.keypoints.sequence import Skipped
from heatgait.extract.pose.crop import heatmap_to_image
from heatgait.synth.generate import SynthOptions, make_record
from tests.extract.keypoints.writers import write_openpose

OUMVLP_FRAMES = 7_000_000
OUMVLP_SEQUENCES = 290_000


def walkers(n: int, frames: int) -> list:
    """n synthetic walkers in OU-MVLP labels: id, seq "00"/"01", view 000..."""
    options = SynthOptions(subjects=max(n // 2, 2), frames=(frames, frames))
    out = []
    for i in range(n):
        rec = make_record(options, i // 2, "nm-01", "090")
        xy = np.stack([heatmap_to_image(k[:, :2], b) for k, b in zip(rec.keypoints, rec.boxes)])
        kp = np.concatenate([xy, rec.keypoints[..., 2:]], -1).astype(np.float32)
        out.append((f"{i // 2 + 1:05d}", f"{i % 2:02d}", "090", kp, np.arange(frames)))
    return out


def stored_bytes(folder: Path) -> tuple[int, int, int]:
    """(heatmap bytes, side-data bytes, frames) over every sequence of the shards."""
    maps = side = frames = 0
    for path in sorted(folder.glob("*.h5")):
        with h5py.File(path, "r") as handle:
            for group in handle["sequences"].values():
                maps += group["heatmaps"].id.get_storage_size()
                side += sum(group[n].id.get_storage_size() for n in
                            ("keypoints", "boxes", "frame_indices", "frame_scores"))
                frames += group["heatmaps"].shape[0]
    return maps, side, frames


def loader_rate(shards: ShardSet, kind: str, samples: int) -> float:
    """30-frame training samples a second in this process (one worker's work)."""
    data = TrainingSequences(shards, list(range(len(shards))), {}, frames=30, ship_stored=True,
                             heatmaps=kind, labels=[0] * len(shards))
    data[(0, 0, 0)]  # open the files
    start = time.perf_counter()
    for i in range(samples):
        data[(1, i, i % len(shards))]
    return samples / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walkers", type=int, default=200)
    parser.add_argument("--frames", type=int, default=25)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        root = write_openpose(Path(tmp) / "oumvlp", walkers(args.walkers, args.frames))
        folders = sorted({p.parent for p in root.glob("*/*/*.json")})
        start = time.perf_counter()
        seqs = [read_folder(root, f, "openpose", Skipped()) for f in folders]
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        records = [to_record(s) for s in seqs]
        render_s = time.perf_counter() - start
        start = time.perf_counter()
        write_shards(records, Path(tmp) / "parts", progress=False)
        write_s = time.perf_counter() - start
        out = Path(tmp) / "shards"
        start = time.perf_counter()
        import_keypoints(root, out, fmt="openpose", progress=False)
        total_s = time.perf_counter() - start
        start = time.perf_counter()
        import_keypoints(root, Path(tmp) / "kp-only", fmt="openpose", storage="keypoints",
                         progress=False)
        kp_only_s = time.perf_counter() - start
        n = len(folders)
        maps, side, frames = stored_bytes(out)
        shards = ShardSet(out)
        raw = loader_rate(shards, "raw", args.samples)
        rendered = loader_rate(shards, "rendered", args.samples)
    rate = n / total_s
    print(f"{n} sequences x {args.frames} frames: read {n / read_s:.0f} seq/s, render "
          f"{n / render_s:.0f} seq/s, encode+write {n / write_s:.0f} seq/s; whole import "
          f"{rate:.1f} seq/s -> OU-MVLP ({OUMVLP_SEQUENCES} seq) in "
          f"{OUMVLP_SEQUENCES / rate / 3600:.2f} h on one core; --storage keypoints "
          f"{n / kp_only_s:.1f} seq/s -> {OUMVLP_SEQUENCES / (n / kp_only_s) / 3600:.2f} h")
    print(f"bytes a frame: stored maps {maps / frames:.0f}, keypoints + side data "
          f"{side / frames:.0f} -> OU-MVLP: maps {maps / frames * OUMVLP_FRAMES / 1e9:.1f} GB, "
          f"keypoints {side / frames * OUMVLP_FRAMES / 1e9:.2f} GB")
    print(f"one loader worker, 30-frame samples: stored maps {raw:.0f}/s, rendered at load "
          f"{rendered:.0f}/s")
    report("keypoint import (OpenPose JSON, pose-model rendering)", rate, "sequences/s")
    report("keypoint import, --storage keypoints", n / kp_only_s, "sequences/s", rate,
           "maps rendered and stored")
    report("stored maps, bytes a frame", maps / frames, "bytes", side / frames,
           "keypoints and side data only", higher_is_better=False)
    report("loader samples/s, rendered at load", rendered, "samples/s", raw, "stored maps")


if __name__ == "__main__":
    main()
