"""`heatgait export`: a trained embedder, a pose network or a person detector -> ONNX."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import QuietOption, say
from heatgait.config.stage1 import DEFAULT_CALIBRATION_CROPS
from heatgait.errors import UsageError


def export(
    run: Annotated[Path | None, typer.Argument(
        metavar="[RUN_OR_CHECKPOINT]", show_default=False,
        help="A run folder or .pt checkpoint whose embedder to export.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="The .onnx file to write. [default for RUN: beside its checkpoint, "
        "checkpoints/latest.onnx, where --runtime onnx|openvino looks]")] = None,
    pose: Annotated[str | None, typer.Option(
        help="Export this top-down pose network instead: hrnet, vitpose, vitpose-b|-l|-h.")
    ] = None,
    pose_weights: Annotated[Path | None, typer.Option(
        help="Checkpoint of the pose model (offline use).")] = None,
    det: Annotated[str | None, typer.Option(
        "--det", help="Export this person detector's raw head instead: rtmdet-person, "
        "rtmdet-tiny (decoding and NMS stay on the host).")] = None,
    det_weights: Annotated[Path | None, typer.Option(
        help="Checkpoint of the detector (offline use).")] = None,
    per_frame: Annotated[bool, typer.Option(
        "--per-frame", help="With RUN: also write the network split for streams, OUT's "
        ".frames.onnx (per-frame encoder) and .head.onnx (head on the max over a window), "
        "for identify --stream --runtime onnx|openvino.")] = False,
    int8: Annotated[bool, typer.Option(
        "--int8", help="With --pose: write a static int8 model (QDQ) calibrated on people cut "
        "from --calibration footage; OpenVINO runs it about 3.6x faster than fp32 on a CPU "
        "with VNNI. Its rank-1 cost is not measured: opt-in.")] = False,
    calibration: Annotated[list[Path] | None, typer.Option(
        "--calibration", help="With --int8: videos or frame folders to calibrate on "
        "(repeatable; footage like what you will extract).")] = None,
    calibration_crops: Annotated[int, typer.Option(
        min=1, help="With --int8: how many person crops to calibrate on.")
    ] = DEFAULT_CALIBRATION_CROPS,
    calibration_det: Annotated[str, typer.Option(
        help="With --int8: the detector that finds the people to calibrate on (its "
        "checkpoint: --det-weights).")] = "rtmdet-person",
    random_init: Annotated[bool, typer.Option(
        "--random-init", hidden=True, help="Export mm models with random weights (tests).")
    ] = False,
    quiet: QuietOption = False,
) -> None:
    """Write an ONNX model with a dynamic batch (and, for the embedder, sequence length) that
    says what it is: the recipe, the fingerprint and the input contract of the run (embedder),
    or the pose model's preprocessing and flip test, in its metadata. Consumers run it with
    --runtime onnx or openvino (eval, gallery add, identify, extract).

    Examples:

      heatgait export runs/casia-b --out casia-b.onnx

      heatgait export --pose hrnet --pose-weights hrnet.pth --out hrnet.onnx

      heatgait export --pose hrnet --pose-weights hrnet.pth --int8 --calibration videos/
      --det-weights rtmdet.pth --out hrnet-int8.onnx
    """
    chosen = [name for name, value in (("RUN", run), ("--pose", pose), ("--det", det))
              if value is not None]
    if len(chosen) != 1:
        raise UsageError("export one model: give RUN_OR_CHECKPOINT, --pose NAME or --det NAME"
                         + (f" (not {' and '.join(chosen)})" if chosen else ""))
    if per_frame and run is None:
        raise UsageError("--per-frame splits a trained embedder: give RUN_OR_CHECKPOINT")
    if (int8 or calibration) and pose is None:
        raise UsageError("--int8 and --calibration quantise a pose network: add --pose NAME")
    if int8 and not calibration:
        raise UsageError("--int8 needs footage to calibrate on: add --calibration VIDEO_OR_DIR")
    if calibration and not int8:
        raise UsageError("--calibration is for --int8: add --int8, or drop --calibration")
    if run is not None:
        from heatgait.training.export import export_embedder
        from heatgait.training.exported import default_export_path
        from heatgait.training.inference import load_inference_model

        model = load_inference_model(run, "cpu", precision="fp32")
        path = export_embedder(model, out or default_export_path(run))
        if per_frame:
            from heatgait.training.export import export_per_frame

            for part in export_per_frame(model, path).values():
                typer.echo(f"wrote {part}")
        say(f"fingerprint {model.fingerprint['digest'][:12]} of {model.fingerprint['checkpoint']}",
            quiet)
    elif out is None:
        raise UsageError("give --out FILE.onnx for a pose or detector export")
    elif pose is not None:
        from heatgait.config.stage1 import POSE_MODELS
        from heatgait.extract.pose.backends import build_pose
        from heatgait.extract.pose.export import export_pose

        if pose in POSE_MODELS and POSE_MODELS[pose].stack != "mmpose":
            raise UsageError(f"--pose {pose}: not an mmpose model; export hrnet or vitpose")
        backend = build_pose(pose, str(pose_weights) if pose_weights else None, "cpu",
                             random_init, "fp32")
        if not int8:
            path = export_pose(backend, out)
        else:
            path = export_pose_int8(backend, out, calibration or [], calibration_crops,
                                    calibration_det, det_weights, random_init, quiet)
    else:
        from heatgait.extract.detection.export import export_detector
        from heatgait.extract.detection.mmdet import MMDetDetector

        detector = MMDetDetector.from_name(str(det), str(det_weights) if det_weights else None,
                                           "cpu", random_init=random_init)
        path = export_detector(detector, out)
    typer.echo(f"wrote {path}")


def export_pose_int8(backend, out: Path, calibration: list[Path], crops: int, det: str,
                     det_weights: Path | None, random_init: bool, quiet: bool) -> Path:
    """The pose network of ``backend`` as static int8, calibrated on people of ``calibration``
    found by the detector ``det``."""
    from heatgait.extract.detection.detectors import build_detector
    from heatgait.extract.job.calibration import calibration_crops
    from heatgait.extract.pose.quantize import export_pose_int8 as export_int8

    detector = build_detector(det, str(det_weights) if det_weights else None, "cpu",
                              random_init=random_init, runtime="torch")
    people = calibration_crops(calibration, detector, crops, backend.input_size)
    path, info = export_int8(backend, people, out)
    say(f"int8 calibrated on {info['calibration_crops']} crops; heatmaps vs fp32 on them: max "
        f"{info['max_abs_error']:.2e}, mean {info['mean_abs_error']:.2e}", quiet)
    return path
