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


def timed(run, crops: np.ndarray, batch: int, repeats: int = 2) -> tuple[float, np.ndarray]:
    """(best seconds over ``repeats`` of all crops in batches, heatmaps of the last pass)."""
    run(crops[:batch])  # warm-up
    best, maps = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        maps = np.concatenate([run(crops[i:i + batch]) for i in range(0, len(crops), batch)])
        best = min(best, time.perf_counter() - start)
    return best, maps


def compare_runtimes(pose, mmdet, frames: list, crops: np.ndarray, det_s: float, batch: int,
                     tmp: Path) -> None:
    """Prints and reports each runtime's speed and heatmap error against torch fp32."""
    from heatgait.extract.detection.export import export_detector
    from heatgait.extract.detection.exported import ExportedDetector
    from heatgait.extract.pose.export import export_pose
    from heatgait.extract.pose.exported import ExportedPoseBackend
    from heatgait.extract.runtimes.onnxfile import open_model

    path = export_pose(pose, tmp / "pose.onnx")
    det_path = export_detector(mmdet, tmp / "det.onnx")
    dets = {"torch": det_s}
    for runtime in ("onnx", "openvino"):
        detector = ExportedDetector(det_path, runtime, score_thr=0.0)
        detector(frames[:batch])  # warm-up
        start = time.perf_counter()
        for i in range(0, len(frames), batch):
            detector(frames[i:i + batch])
        dets[runtime] = time.perf_counter() - start
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
    results = {name: timed(run, crops, batch) for name, (_, run) in runs.items()}
    base_s, base = results["torch fp32"]
    n = len(frames)
    base_fps = n / (det_s + base_s)
    print(f"{len(crops)} crops, batch {batch}; detector frames/s: " +
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
