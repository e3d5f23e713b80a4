"""Tracker comparison: heatgait's tracker against ByteTrack (roboflow ``trackers``) on the
same detections, scored for identity switches.

Scenes: the synthetic presets of ``tests.extract.track_scenes`` (``--seeds`` seeds each:
crossings, occlusions, merged boxes, jitter, misses, clutter) and the three hand-annotated
windows of vtest.avi in ``tests/extract/data/vtest_crossings.json`` (the real BlazePose person
detector runs on their frames). Per scene and tracker: IDSW (MOT identity switches), jumps
(a track taking over another person), Frag, MOTA and recall (vtest: unannotated walkers are
not false positives, so its MOTA counts misses and switches only), and the trackers' own
time per frame. Tracks shorter than ``--min-frames`` are dropped first, as the extraction
drops tracks shorter than ``min_track_frames``.

Trackers: ``heatgait`` (heatgait.extract.tracking.tracker.Tracker, the extraction's), ``bytetrack``
(trackers 2.6.1 at the library's defaults) and ``bytetrack-tuned`` (activation threshold 0.5,
the BlazePose detector's score threshold, and a lost track waiting 20 frames like heatgait's
hidden tracks). ByteTrack needs ``pip install trackers==2.6.1`` (the ``compare`` extra).

Run by hand:  python benchmarks/bench_tracking.py [--seeds 20] [--no-vtest]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout: tests.footage
from common import report

from heatgait.extract.tracking.tracker import Tracker
from tests.extract.track_eval import TrackScore, run_tracker, score_tracks
from tests.extract.track_scenes import SCENES, preset_scene

VTEST_DATA = Path(__file__).resolve().parent.parent / "tests/extract/data/vtest_crossings.json"


def tracker_makers() -> dict:
    """The trackers to compare; heatgait's alone when ``trackers`` is not installed."""
    from benchmarks.bytetrack import ByteTrackAdapter
    from heatgait.errors import MissingDependencyError

    makers = {"heatgait": Tracker}
    try:
        ByteTrackAdapter()
    except MissingDependencyError as exc:
        print(f"ByteTrack left out: {exc}")
        return makers
    makers["bytetrack"] = ByteTrackAdapter
    makers["bytetrack-tuned"] = lambda: ByteTrackAdapter(activation_thr=0.5, max_gap=20)
    return makers


def vtest_scenes() -> list[tuple[str, list[int], list[np.ndarray], np.ndarray]]:
    """(name, frames, detections per frame, ground-truth rows) of the annotated windows."""
    from heatgait.extract.detection.blazepose import BlazePersonDetector
    from tests.footage import read_frames, require_vtest

    detector = BlazePersonDetector()
    out = []
    for window in json.loads(VTEST_DATA.read_text())["windows"]:
        frames = list(range(window["first_frame"], window["last_frame"] + 1))
        gt = np.array([[int(f), *row] for f, rows in window["boxes"].items() for row in rows],
                      dtype=np.float64)
        out.append((f"vtest {window['name']}", frames,
                    detector(read_frames(require_vtest(), frames)), gt))
    return out


def run_scene(make, detections, frames, gt, min_frames, count_fp) -> tuple[TrackScore, float]:
    tracker = make()
    start = time.perf_counter()
    pred = run_tracker(tracker, detections, frames, min_frames=min_frames)
    took = time.perf_counter() - start
    return score_tracks(gt, pred, count_false_positives=count_fp), took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds per synthetic preset")
    parser.add_argument("--min-frames", type=int, default=3)
    parser.add_argument("--no-vtest", action="store_true", help="synthetic scenes only")
    args = parser.parse_args()
    makers = tracker_makers()

    # scene name -> list of (detections, frames, gt, count false positives)
    scenes: dict[str, list] = {}
    for name in SCENES:
        drawn = [preset_scene(name, seed) for seed in range(args.seeds)]
        scenes[f"synth {name}"] = [(s.detections, s.frame_indices, s.gt, True) for s in drawn]
    if not args.no_vtest:
        for name, frames, detections, gt in vtest_scenes():
            scenes[name] = [(detections, frames, gt, False)]

    header = f"{'scene':<24} {'tracker':<16} {'IDSW':>5} {'jumps':>5} {'Frag':>5} " \
             f"{'MOTA':>6} {'recall':>6} {'ms/frame':>8}"
    print(header)
    print("-" * len(header))
    totals: dict[tuple[str, str], list[float]] = {}
    for scene, items in scenes.items():
        for tracker, make in makers.items():
            sw = jumps = frag = 0
            mota, recall, seconds, n_frames = [], [], 0.0, 0
            for detections, frames, gt, count_fp in items:
                score, took = run_scene(make, detections, frames, gt, args.min_frames, count_fp)
                sw += score.id_switches
                jumps += score.jumps
                frag += score.fragmentations
                mota.append(score.mota)
                recall.append(score.recall)
                seconds += took
                n_frames += len(frames)
            kind = scene.split()[0]
            acc = totals.setdefault((kind, tracker), [0, 0, 0, 0.0, 0])
            acc[0] += sw
            acc[1] += jumps
            acc[2] += frag
            acc[3] += seconds
            acc[4] += n_frames
            print(f"{scene:<24} {tracker:<16} {sw:>5} {jumps:>5} {frag:>5} "
                  f"{np.mean(mota):>6.3f} {np.mean(recall):>6.3f} "
                  f"{1000 * seconds / n_frames:>8.2f}", flush=True)
    print()
    print(f"{'total':<24} {'tracker':<16} {'IDSW':>5} {'jumps':>5} {'Frag':>5} "
          f"{'ms/frame':>8}")
    for (kind, tracker), (sw, jumps, frag, seconds, n_frames) in totals.items():
        print(f"{kind:<24} {tracker:<16} {sw:>5} {jumps:>5} {frag:>5} "
              f"{1000 * seconds / n_frames:>8.2f}")
    none = [None] * 5
    for kind in sorted({k for k, _ in totals}):
        ours, theirs = totals[(kind, "heatgait")], totals.get((kind, "bytetrack"), none)
        for i, what, unit in ((0, "identity switches", "IDSW"), (1, "jumps to another person",
                                                                 "jumps")):
            # a ratio to zero is undefined: then the reference is named only
            ref = theirs[i] if ours[i] else None
            report(f"tracking {kind} {what}", ours[i], unit, reference=ref,
                   reference_name=f"ByteTrack (trackers 2.6.1): {theirs[i]}",
                   higher_is_better=False)
    ours, theirs = totals[("synth", "heatgait")], totals.get(("synth", "bytetrack"), none)
    report("tracking speed (synthetic scenes)", 1000 * ours[3] / ours[4], "ms/frame",
           reference=theirs[3] and 1000 * theirs[3] / theirs[4], reference_name="ByteTrack",
           higher_is_better=False)


if __name__ == "__main__":
    main()
