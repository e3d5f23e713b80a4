"""Static int8 for an exported pose network (``heatgait export --pose NAME --int8``).

Post-training quantisation of the fp32 export with onnxruntime's tools, in the QDQ format:
int8 weights per output channel, activations calibrated on crops of the user's own footage
(people found by a stage-1 detector, cut as stage 1 cuts them:
``extract.job.calibration``). OpenVINO turns the QDQ pairs
into int8 kernels (VNNI): on this project's 2-core AVX512-VNNI CPU, HRNet-W32 ran 3.6x faster
than in OpenVINO f32 (``benchmarks/bench_extract.py --runtimes``, benchmarks/README.md).
onnxruntime runs the same file without that gain, so ``auto`` takes OpenVINO for it.

The file says what it is: ``pose.precision`` is ``int8`` and ``pose.int8`` holds the number
of calibration crops and the heatmaps' largest and mean difference from the fp32 export on
them (after the [0, 1] clip stage 1 applies), measured when it was written.

Accuracy: published int8 costs for HRNet are small (COCO AP 0.765 -> 0.763), but whether
reduced pose precision costs gait rank-1 cannot be measured here (no trained pose weights
offline, no RGB synthetic set). So int8 is opt-in: ``extract.runtime: auto`` never quantises,
it runs an int8 file only when one is given as ``--pose-weights``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from heatgait.errors import MissingDependencyError


def quantize_pose(fp32: str | Path, crops: np.ndarray, out: str | Path
                  ) -> tuple[Path, dict[str, Any]]:
    """The fp32 pose export at ``fp32`` -> static int8 (QDQ) export at ``out``, calibrated on
    ``crops`` [n, h, w, 3] uint8; returns (``out``, the ``pose.int8`` metadata written)."""
    try:
        import onnx
        from onnxruntime.quantization import CalibrationDataReader, QuantFormat, quantize_static
        from onnxruntime.quantization.shape_inference import quant_pre_process
    except ImportError as exc:
        raise MissingDependencyError("--int8 needs onnxruntime's quantisation tools: pip "
                                     "install 'heatgait[onnx]'") from exc
    from heatgait.extract.pose.exported import ExportedPoseBackend
    from heatgait.fileio import durable_replace

    fp32, out = Path(fp32), Path(out)
    batches = np.ascontiguousarray(crops.transpose(0, 3, 1, 2), dtype=np.float32)

    class Crops(CalibrationDataReader):
        def __init__(self) -> None:
            self.items = iter([{"crops": batches[i:i + 1]} for i in range(len(batches))])

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.items, None)

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".quantize-", dir=out.parent) as work:
        prepared, written = Path(work) / "prepared.onnx", Path(work) / out.name
        # an export over protobuf's 2 GB (ViTPose-H) keeps its weights beside it: so must
        # every model written on the way (the int8 result is a quarter of it and fits again)
        external = fp32.with_name(f"{fp32.name}.data").is_file()
        quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True,
                          save_as_external_data=external, all_tensors_to_one_file=True,
                          external_data_location=f"{prepared.name}.data")
        quantize_static(str(prepared), str(written), Crops(), quant_format=QuantFormat.QDQ,
                        per_channel=True, use_external_data_format=external)
        reference = ExportedPoseBackend(fp32, "onnx")
        quantized = ExportedPoseBackend(written, "onnx")
        error = np.abs(np.clip(quantized.heatmaps(crops), 0, 1)
                       - np.clip(reference.heatmaps(crops), 0, 1))
        int8 = {"calibration_crops": int(len(crops)), "max_abs_error": float(error.max()),
                "mean_abs_error": float(error.mean()), "format": "QDQ, per-channel weights",
                "measured_against": "the fp32 export, on the calibration crops"}
        # the fp32 export's metadata, its pose entry saying what this file is
        source = onnx.load(str(fp32), load_external_data=False)
        props = {p.key: p.value for p in source.metadata_props}
        pose = json.loads(props["heatgait.pose"]) | {"precision": "int8", "int8": int8}
        props["heatgait.pose"] = json.dumps(pose, sort_keys=True)
        model = onnx.load(str(written))
        del model.metadata_props[:]
        for key, value in props.items():
            entry = model.metadata_props.add()
            entry.key, entry.value = key, value
        onnx.save(model, str(written))
        durable_replace(written, out)
    return out, int8


def export_pose_int8(backend: Any, crops: np.ndarray, out: str | Path
                     ) -> tuple[Path, dict[str, Any]]:
    """An ``MMPoseBackend`` -> its fp32 export (a temporary file beside ``out``) -> static int8
    at ``out``, calibrated on ``crops``: what :func:`quantize_pose` returns."""
    from heatgait.extract.pose.export import export_pose

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fp32-", dir=out.parent) as work:
        return quantize_pose(export_pose(backend, Path(work) / "fp32.onnx"), crops, out)
