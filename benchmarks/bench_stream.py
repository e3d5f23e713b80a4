"""Streaming identification on vtest.avi played at its 10 frames/s (issue 22, part 3).

A toy run and its calibrated gallery are built first (tests.gallery.helpers: 4 synthetic
walkers, a narrow network trained 2 iterations), then ``heatgait.stream`` plays vtest.avi in
real time with the BlazePose detector and pose model, as ``heatgait identify --stream`` does,
with the run's ``stream`` recipe values (first identity after 30 kept frames by default).
The walkers of vtest.avi are not in the gallery: what is measured is when, not who.

- latency: for each track that got an identity, from the moment the source delivered the
  track's first processed frame to its identity event (wall clock; and the same in video
  time, which is what skipped frames stretch);
- sustained frames/s: frames processed / wall time, with frames read and skipped;
- where the time goes (detection, pose, per-frame encoder, identification), and how many
  frames a moving window normalisation made the encoder redo;
- the model part at the paper's width (random weights, CPU): one frame through the
  per-frame encoder, the head on a pooled window, against re-embedding a 60-frame window,
  which is what every identity update would cost without the per-frame split.

    python benchmarks/bench_stream.py                      # the whole video (80 s)
    python benchmarks/bench_stream.py --frames 300 --set stream.min_frames=20
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, report

from tests.footage import require_vtest
from tests.gallery.helpers import build_tiny_gallery


def model_costs(window: int = 60, repeats: int = 3) -> dict[str, float]:
    """Seconds: one frame encoded, the head on a pooled window, a whole window re-embedded
    (paper width, random weights, CPU)."""
    import torch

    from heatgait.models.gaitheat import GaitHeat
    from heatgait.stream.encoder import FrameEncoder
    from heatgait.training.inference import InferenceModel

    torch.manual_seed(0)
    model = InferenceModel.wrap(GaitHeat(num_classes=74), "cpu")
    encoder = FrameEncoder(model)
    stored = np.random.default_rng(0).integers(0, 256, (window, 17, 64, 48), dtype=np.uint8)
    scaling = np.tile(np.array([1 / 255, 0, 1, 1], np.float32), (window, 1))

    def best(step) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        return min(times)

    features = encoder.encode(stored, scaling)
    pooled = features.amax(dim=0, keepdim=True)
    return {
        "encode_frame": best(lambda: encoder.encode(stored[:1], scaling[:1])),
        "head": best(lambda: encoder.embed(pooled)),
        "reembed_window": best(lambda: model.embed_batch(
            torch.from_numpy(stored)[None], torch.from_numpy(scaling[:1]),
            torch.tensor([window]))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=None, help="stop after N frames")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        help="stream.key=value (e.g. stream.min_frames=20)")
    parser.add_argument("--work", type=Path, default=None, help="keep the toy run here")
    parser.add_argument("--no-model-costs", action="store_true")
    args = parser.parse_args()

    from heatgait.stream.identify import open_stream

    print(machine())
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-stream-"))
    start = time.perf_counter()
    _, _, gallery = build_tiny_gallery(work)
    print(f"toy run and gallery: {time.perf_counter() - start:.1f} s in {work}")

    stream = open_stream(str(require_vtest()), gallery, device="cpu", max_frames=args.frames,
                         overrides=args.overrides)
    s = stream.settings
    print(f"vtest.avi at {stream.reader.fps:g} frames/s; identity after {s.min_frames} kept "
          f"frames, window {s.window}, every {s.every}")
    first_seen: dict[int, float] = {}
    kept: dict[int, int] = {}
    events = []

    def on_frame(frame, people) -> None:
        for person in people:
            first_seen.setdefault(person.track, frame.position_s)
            kept[person.track] = kept.get(person.track, 0) + (person.stored is not None)

    summary = stream.run(on_event=events.append, on_frame=on_frame)
    firsts = [e for e in events if e.kind == "identity"]
    wall = [e.latency_s for e in firsts]
    video = [e.position_s - first_seen[e.track] for e in firsts]
    print(f"frames: {summary.frames_read} read, {summary.frames_processed} processed, "
          f"{summary.frames_skipped} skipped in {summary.wall_s:.1f} s "
          f"({summary.processed_fps:.2f} processed frames/s)")
    print(f"tracks: {summary.tracks} seen, {summary.tracks_named} named; {summary.events} "
          f"events; {summary.reencoded} frames encoded again (window normalisation moved)")
    lengths = np.array(sorted(kept.values(), reverse=True))
    print(f"kept frames per track: longest {lengths[:5].tolist()}; tracks with >= 10: "
          f"{int((lengths >= 10).sum())}, >= {s.min_frames}: {int((lengths >= s.min_frames).sum())}"
          f"; one-frame tracks: {int((lengths <= 1).sum())}")
    print("seconds per stage: " + ", ".join(f"{k} {v:.1f}" for k, v in summary.seconds.items()))
    if wall:
        print(f"latency, first processed frame -> first identity, over {len(wall)} tracks: "
              f"wall median {statistics.median(wall):.1f} s (min {min(wall):.1f}, max "
              f"{max(wall):.1f}); video time median {statistics.median(video):.1f} s")
        report("stream latency to first identity (median, wall)", statistics.median(wall), "s",
               higher_is_better=False)
    report("stream sustained processed frames/s", summary.processed_fps, "frames/s",
           reference=summary.fps, reference_name="source frame rate")
    if not args.no_model_costs:
        costs = model_costs(max(s.window, s.min_frames))
        print("paper-width model, CPU: " + ", ".join(f"{k} {v * 1000:.0f} ms"
                                                     for k, v in costs.items()))
        per_update = s.every * costs["encode_frame"] + costs["head"]
        report("identity update: per-frame encoder + head vs re-embedding the window",
               per_update, "s", reference=costs["reembed_window"],
               reference_name=f"re-embedding {max(s.window, s.min_frames)} frames",
               higher_is_better=False)


if __name__ == "__main__":
    main()
