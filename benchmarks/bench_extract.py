"""Stage-1 throughput: heatgait's batched extraction against the reference per-frame loop.

Same models (mmdet RTMDet person + mmpose HRNet-W32 by default, random weights: speed does not
depend on them), same frames of vtest.avi, same machine, one run each:

1. naive: one ``inference_detector`` and one ``inference_topdown`` call per frame, first person
   only (what the authors' script does);
2. heatgait: ``run_rank`` (background decoding, batched detection, tracking, batched pose,
   background shard writing);
3. limit: the two networks' own batched forward passes alone on the same frames and crops.

Both pipelines keep the detector's best box per frame, so they pose the same number of crops.
Prints frames/s for each, the speed-up (goal >= 2x on the CPU) and the share of the limit
(goal >= 80%), and the bytes per frame of the shards written.

With ``--runtimes`` it measures instead, on the same frames and crops, stage 1 in each pose
runtime: torch fp32, onnxruntime fp32, OpenVINO f32, OpenVINO bf16 (where the CPU has it) and
static int8 (QDQ, per-channel weights, calibrated on the crops) in onnxruntime and in OpenVINO,
each with its pose crops/s, the detector's frames/s in the same runtime (fp32, at stage 1's
score threshold; the reduced-precision rows reuse their runtime's fp32 detector), stage-1
frames/s (detector + pose pass), the ratio to torch, and the heatmaps' max abs error against
torch fp32; and the exported detector's host decoding time with a crowded scene's candidates.
``extract.runtime: auto`` takes the fastest fp32 runtime of each network
(``heatgait.extract.runtimes.choice``: ``CPU_ORDER``, ``DETECTOR_CPU_ORDER``).

Run by hand:  python benchmarks/bench_extract.py [--frames 32] [--pose hrnet] [--device cpu]
              [--precision auto|fp32|fp16|bf16] [--runtimes]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout: tests.footage

from benchmarks.common import report


class TopBox:
    """A detector keeping only its best box per frame, or the whole frame when it finds none
    (as ``inference_topdown`` does), so both pipelines pose exactly one crop per frame."""

    def __init__(self, detector):
        self.detector, self.name = detector, detector.name

    def __call__(self, frames):
        out = []
        for frame, boxes in zip(frames, self.detector(frames)):
            whole = np.array([[0, 0, frame.shape[1], frame.shape[0], 1.0]], np.float32)
            out.append(boxes[:1] if len(boxes) else whole)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--pose", default="hrnet")
    parser.add_argument("--det", default="rtmdet-person")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "fp16", "bf16"],
                        help="pose forward precision (auto: fp16 on CUDA, fp32 on the CPU)")
    parser.add_argument("--runtimes", action="store_true",
                        help="compare pose runtimes and precisions on the CPU instead")
    args = parser.parse_args()

    import torch
    from mmdet.apis import inference_detector
    from mmpose.apis import inference_topdown

    from heatgait.config import ExtractConfig
    from heatgait.data.shardset import ShardSet
    from heatgait.extract.detection.detectors import build_detector
    from heatgait.extract.job.inputs import discover
    from heatgait.extract.job.runner import run_rank
    from heatgait.extract.pose.backends import build_pose
    from heatgait.extract.pose.crop import crop_people
    from tests.footage import read_frames, require_vtest

    torch.manual_seed(0)
    frames = read_frames(require_vtest(), list(range(args.frames)))
    tmp = Path(tempfile.mkdtemp(prefix="bench-extract-"))
    clip = tmp / "vtest-clip.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 10, (768, 576))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()

    pose = build_pose(args.pose, device=args.device, random_init=True, precision=args.precision,
                      runtime="torch")
    mmdet = build_detector(args.det, device=args.device, score_thr=0.0, nms_thr=0.3,
                           random_init=True)
    detector = TopBox(mmdet)
    cfg = ExtractConfig(det_score_thr=0.0, min_frame_score=0.0, min_track_frames=1,
                        batch_size=args.batch_size)
    print(f"{args.frames} frames of vtest.avi 768x576, {args.pose} + {args.det}, random weights,"
          f" {args.device}, torch threads {torch.get_num_threads()}, flip test {pose.flip_test},"
          f" pose precision {getattr(pose, 'precision', 'fp32')}")

    detector(frames[:1])  # warm-up: first calls allocate and pick kernels
    pose(crop_people(frames[:1], np.array([[0, 0, 768, 576]], float), 1.25))

    # 3. limit: batched forward passes alone
    start = time.perf_counter()
    boxes = []
    for i in range(0, len(frames), args.batch_size):
        boxes += [b[0, :4] for b in detector(frames[i:i + args.batch_size])]
    det_s = time.perf_counter() - start
    crops = crop_people(frames[:len(boxes)], np.stack(boxes), 1.25)
    start = time.perf_counter()
    for i in range(0, len(crops), args.batch_size):
        pose(crops[i:i + args.batch_size])
    pose_s = time.perf_counter() - start
    limit = args.frames / (det_s + pose_s)
    if args.runtimes:
        from benchmarks.runtimes import compare_runtimes

        compare_runtimes(pose, mmdet, frames, crops, args.batch_size, tmp, clip, cfg, TopBox)
        return

    # 2. heatgait
    sources, _ = discover([clip], "generic")
    start = time.perf_counter()
    rank_report = run_rank(sources, tmp / "shards", detector, pose, cfg, multi_person=False)
    ours = args.frames / (time.perf_counter() - start)

    # 1. naive per-frame loop (reference style)
    start = time.perf_counter()
    for frame in frames:
        bgr = np.ascontiguousarray(frame[..., ::-1])
        result = inference_detector(mmdet.model, bgr)
        pred = result.pred_instances
        boxes = pred.bboxes[pred.labels == 0].cpu().numpy()[:1]
        inference_topdown(pose.model, bgr, boxes if len(boxes) else None)
    naive = args.frames / (time.perf_counter() - start)

    shards = list((tmp / "shards").glob("*.h5"))
    stored = sum(p.stat().st_size for p in shards)
    kept = sum(s.num_frames for s in ShardSet(shards).sequences)
    print(f"naive loop     {naive:6.2f} frames/s")
    print(f"heatgait       {ours:6.2f} frames/s  ({ours / naive:.2f}x naive, "
          f"{100 * ours / limit:.0f}% of the limit)")
    print(f"forward limit  {limit:6.2f} frames/s  (detector {args.frames / det_s:.2f}, "
          f"pose {len(crops) / pose_s:.2f} crops/s)")
    print(f"shards: {stored} bytes for {kept} frames = {stored / max(kept, 1):.0f} bytes/frame "
          f"({rank_report.sequences_written} sequences, uint8 + gzip)")
    report("extract_frames_per_s_vs_naive", ours, "frames/s", naive, "per-frame loop")
    report("extract_frames_per_s_vs_limit", ours, "frames/s", limit, "batched forward limit")


if __name__ == "__main__":
    main()
