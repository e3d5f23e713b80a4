"""Pose runtimes side by side on the same crops (``bench_extract.py --runtimes``)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from benchmarks.common import report


def has_bf16() -> bool:
    import openvino as ov

    caps = ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    return "BF16" in caps


def quantize_int8(model: Path, crops: np.ndarray, out: Path) -> Path:
    """onnxruntime static int8: QDQ, per-channel weights, calibrated on ``crops``."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            x = crops.transpose(0, 3, 1, 2).astype(np.float32)
            self.items = iter([{"crops": x[i:i + 1]} for i in range(len(x))])

        def get_next(self):
            return next(self.items, None)

    prepared = out.with_name("pre.onnx")
    quant_pre_process(str(model), str(prepared), skip_symbolic_shape=True)
    quantize_static(str(prepared), str(out), Reader(), quant_format=QuantFormat.QDQ,
                    per_channel=True)
    import onnx

    quantized, source = onnx.load(str(out)), onnx.load(str(model))
    del quantized.metadata_props[:]  # the export's own, so it still opens as a pose export
    quantized.metadata_props.extend(source.metadata_props)
    onnx.save(quantized, str(out))
    return out


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


def compare_runtimes(pose, mmdet, frames: list, crops: np.ndarray, batch: int,
                     tmp: Path) -> None:
    """Prints and reports each runtime's speed and heatmap error against torch fp32."""
    from heatgait.extract.detection.export import export_detector
    from heatgait.extract.detection.exported import ExportedDetector
    from heatgait.extract.pose.export import export_pose
    from heatgait.extract.pose.exported import ExportedPoseBackend
    from heatgait.extract.runtimes.onnxfile import open_model

    path = export_pose(pose, tmp / "pose.onnx")
    det_path = export_detector(mmdet, tmp / "det.onnx")
    detectors = {"torch": mmdet}
    for runtime in ("onnx", "openvino"):
        detectors[runtime] = ExportedDetector(det_path, runtime, score_thr=0.0)
    dets = {name: t for name, (t, _) in round_robin(detectors, frames, batch).items()}
    runs = {"torch fp32": ("torch", lambda c: pose.heatmaps(c).numpy())}
    for name, runtime, precision in (("onnxruntime fp32", "onnx", "fp32"),
                                     ("openvino f32", "openvino", "fp32")):
        runs[name] = (runtime, ExportedPoseBackend(path, runtime, precision).heatmaps)
    if has_bf16():
        runs["openvino bf16"] = ("openvino",
                                 ExportedPoseBackend(path, "openvino", "bf16").heatmaps)
    else:
        print("openvino bf16: this CPU has no BF16 (OPTIMIZATION_CAPABILITIES): not measured")
    int8 = ExportedPoseBackend(path, "onnx")
    int8.session = open_model(quantize_int8(path, crops[:16], tmp / "int8.onnx"), "onnx",
                              kind="pose")
    runs["onnxruntime int8"] = ("onnx", int8.heatmaps)
    timings = round_robin({name: run for name, (_, run) in runs.items()}, crops, batch)
    results = {name: (t, np.concatenate(out)) for name, (t, out) in timings.items()}
    base_s, base = results["torch fp32"]
    n = len(frames)
    base_fps = n / (dets["torch"] + base_s)
    print(f"{len(crops)} crops, batch {batch}, best of 3 rounds taken in turn; detector "
          "frames/s: " +
          ", ".join(f"{r} {n / s:.2f}" for r, s in dets.items()))
    print(f"{'runtime':18} {'crops/s':>8} {'x torch':>8} {'stage-1 frames/s':>17} "
          f"{'x torch':>8} {'max err':>9}")
    for name, (seconds, maps) in results.items():
        fps = n / (dets[runs[name][0]] + seconds)
        err = float(np.abs(np.clip(maps, 0, 1) - np.clip(base, 0, 1)).max())
        print(f"{name:18} {len(crops) / seconds:8.2f} {base_s / seconds:8.2f} {fps:17.2f} "
              f"{fps / base_fps:8.2f} {err:9.2e}")
        report(f"stage1_{name.replace(' ', '_')}_frames_per_s", fps, "frames/s", base_fps,
               "torch fp32")
