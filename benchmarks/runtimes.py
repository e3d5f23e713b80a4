"""Pose runtimes side by side on the same crops (``bench_extract.py --runtimes``)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from benchmarks.common import report
from heatgait.extract.detection.boxes import filter_people


def has_bf16() -> bool:
    import openvino as ov

    caps = ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    return "BF16" in caps


RIGGED_CANDIDATES = 300  # per frame, spread over the levels: a crowded scene's worth


def host_decoding_ms(detector, frames: list) -> float:
    """ms a frame of the exported detector's host work (decoding, NMS, filtering) when its head
    scores :data:`RIGGED_CANDIDATES` scattered positions a frame above the threshold: scattered
    boxes overlap little, so NMS keeps most of them (its worst case)."""
    from heatgait.extract.detection.exported import letterbox

    images = np.stack([letterbox(f[..., ::-1] if detector.bgr else f, detector.size,
                                 detector.pad)[0] for f in frames])
    outputs = [o.copy() for o in detector.session.run({"image": images})]
    rng = np.random.default_rng(0)
    levels = len(detector.strides)
    for level in range(levels):
        logits = outputs[level][:, 0].reshape(len(frames), -1)
        for row in logits:
            row[rng.choice(row.size, RIGGED_CANDIDATES // levels, replace=False)] = 3.0
    scale = np.ones(4, np.float32)
    start = time.perf_counter()
    for i in range(len(frames)):
        filter_people(detector.candidates(outputs, i, scale), detector.score_thr,
                      detector.nms_thr)
    return 1000 * (time.perf_counter() - start) / len(frames)


def round_robin(runs: dict, inputs, batch: int, rounds: int = 3) -> dict:
    """{name: (best seconds of a pass over ``inputs`` in batches, outputs of its last pass)}.

    The runs take turns, round after round, so that a change in the machine's load (other
    work shares it) hits every runtime alike; the best round of each counts."""
    for run in runs.values():
        run(inputs[:batch])  # warm-up: first calls allocate and pick kernels
    best = {name: (float("inf"), None) for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            out = [run(inputs[i:i + batch]) for i in range(0, len(inputs), batch)]
            seconds = time.perf_counter() - start
            if seconds < best[name][0]:
                best[name] = (seconds, out)
    return best


def whole_stage1(pipelines: dict, clip: Path, cfg, wrap, tmp: Path, rounds: int = 2) -> dict:
    """{name: frames/s of ``run_rank`` (decoding, detection, tracking, crops, pose, shard
    writing) on ``clip``}, the pipelines (detector, pose) taking turns, best round each."""
    from heatgait.extract.job.inputs import discover
    from heatgait.extract.job.runner import run_rank
    from heatgait.extract.job.video import iter_frames

    sources, _ = discover([clip], "generic")
    frames = sum(1 for _ in iter_frames(clip))
    best = {name: 0.0 for name in pipelines}
    for attempt in range(rounds):
        for name, (detector, pose) in pipelines.items():
            out = tmp / f"whole-{name.replace(' ', '-')}-{attempt}"
            start = time.perf_counter()
            run_rank(sources, out, wrap(detector), pose, cfg, multi_person=False)
            best[name] = max(best[name], frames / (time.perf_counter() - start))
    return best


def compare_runtimes(pose, mmdet, frames: list, crops: np.ndarray, batch: int,
                     tmp: Path, clip: Path | None = None, cfg=None, wrap=None) -> None:
    """Prints and reports each runtime's speed and heatmap error against torch fp32."""
    from heatgait.extract.detection.detectors import build_detector
    from heatgait.extract.detection.export import export_detector
    from heatgait.extract.detection.exported import ExportedDetector
    from heatgait.extract.pose.export import export_pose
    from heatgait.extract.pose.exported import ExportedPoseBackend
    from heatgait.extract.pose.quantize import quantize_pose

    path = export_pose(pose, tmp / "pose.onnx")
    # Every detector at the threshold stage 1 runs it with (the model's own, 0.3 for RTMDet),
    # and the export made from that same model: at 0.0, random weights put thousands of
    # candidates a frame through the host NMS, which no trained model does (this once made the
    # export look 4.5x slower than torch).
    detectors = {"torch": build_detector(mmdet.name, random_init=True)}
    det_path = export_detector(detectors["torch"], tmp / "det.onnx")
    for runtime in ("onnx", "openvino"):
        detectors[runtime] = ExportedDetector(det_path, runtime)
    dets = {name: t for name, (t, _) in round_robin(detectors, frames, batch).items()}
    host_ms = host_decoding_ms(detectors["openvino"], frames[:batch])
    runs = {"torch fp32": ("torch", lambda c: pose.heatmaps(c).numpy())}
    for name, runtime, precision in (("onnxruntime fp32", "onnx", "fp32"),
                                     ("openvino f32", "openvino", "fp32")):
        runs[name] = (runtime, ExportedPoseBackend(path, runtime, precision).heatmaps)
    if has_bf16():
        runs["openvino bf16"] = ("openvino",
                                 ExportedPoseBackend(path, "openvino", "bf16").heatmaps)
    else:
        print("openvino bf16: this CPU has no BF16 (OPTIMIZATION_CAPABILITIES): not measured")
    int8_path, _ = quantize_pose(path, crops[:16], tmp / "int8.onnx")  # export --pose --int8
    for name, runtime in (("onnxruntime int8", "onnx"), ("openvino int8", "openvino")):
        # the same QDQ file: OpenVINO turns its quantize/dequantize pairs into int8 kernels
        runs[name] = (runtime, ExportedPoseBackend(int8_path, runtime).heatmaps)
    timings = round_robin({name: run for name, (_, run) in runs.items()}, crops, batch)
    results = {name: (t, np.concatenate(out)) for name, (t, out) in timings.items()}
    base_s, base = results["torch fp32"]
    n = len(frames)
    base_fps = n / (dets["torch"] + base_s)
    print(f"{len(crops)} crops, batch {batch}, best of 3 rounds taken in turn; detector "
          "frames/s: " +
          ", ".join(f"{r} {n / s:.2f}" for r, s in dets.items()))
    print(f"exported detector's host decoding + NMS with {RIGGED_CANDIDATES} candidates a frame "
          f"(random weights leave almost none): {host_ms:.1f} ms a frame")
    print(f"{'runtime':18} {'crops/s':>8} {'x torch':>8} {'stage-1 frames/s':>17} "
          f"{'x torch':>8} {'max err':>9}")
    for name, (seconds, maps) in results.items():
        fps = n / (dets[runs[name][0]] + seconds)
        err = float(np.abs(np.clip(maps, 0, 1) - np.clip(base, 0, 1)).max())
        print(f"{name:18} {len(crops) / seconds:8.2f} {base_s / seconds:8.2f} {fps:17.2f} "
              f"{fps / base_fps:8.2f} {err:9.2e}")
        report(f"stage1_{name.replace(' ', '_')}_frames_per_s", fps, "frames/s", base_fps,
               "torch fp32")
    if clip is None:
        return
    # the whole of stage 1 as `heatgait extract` runs it, in auto's runtimes and with int8
    pipelines = {"torch fp32": (detectors["torch"], pose),
                 "auto (onnx det + openvino pose)": (detectors["onnx"],
                                                     ExportedPoseBackend(path, "openvino")),
                 "onnx det + openvino int8 pose": (detectors["onnx"],
                                                   ExportedPoseBackend(int8_path, "openvino"))}
    whole = whole_stage1(pipelines, clip, cfg, wrap, tmp)
    print("whole stage 1 (run_rank on the clip, best of 2 taken in turn):")
    for name, fps in whole.items():
        print(f"  {name:34} {fps:6.2f} frames/s  {fps / whole['torch fp32']:5.2f}x torch")
        report(f"whole_stage1_{name.split(' ')[0]}_frames_per_s", fps, "frames/s",
               whole["torch fp32"], "torch fp32")
