"""`heatgait export`: a trained embedder, a pose network or a person detector -> ONNX."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import QuietOption, say
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
    """
    chosen = [name for name, value in (("RUN", run), ("--pose", pose), ("--det", det))
              if value is not None]
    if len(chosen) != 1:
        raise UsageError("export one model: give RUN_OR_CHECKPOINT, --pose NAME or --det NAME"
                         + (f" (not {' and '.join(chosen)})" if chosen else ""))
    if run is not None:
        from heatgait.training.export import export_embedder
        from heatgait.training.exported import default_export_path
        from heatgait.training.inference import load_inference_model

        model = load_inference_model(run, "cpu", precision="fp32")
        path = export_embedder(model, out or default_export_path(run))
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
        path = export_pose(backend, out)
    else:
        from heatgait.extract.detection.export import export_detector
        from heatgait.extract.detection.mmdet import MMDetDetector

        detector = MMDetDetector.from_name(str(det), str(det_weights) if det_weights else None,
                                           "cpu", random_init=random_init)
        path = export_detector(detector, out)
    typer.echo(f"wrote {path}")
