"""``heatgait identify``: who walks in this footage? Each track against a gallery."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import (
    ModelFileOption,
    QuietOption,
    RuntimeOption,
    SetOption,
    say,
    show_progress,
)
from heatgait.cli.gallery import (
    DetOption,
    DeviceOption,
    MaxFramesOption,
    PoseOption,
    PoseWeightsOption,
)
from heatgait.errors import UsageError
from heatgait.fileio import write_text

STREAM = "Stream (--stream)"


def identify(
    gallery: Annotated[Path, typer.Option("--gallery", "-g", help="Gallery folder "
                                          "(heatgait gallery add).", show_default=False)],
    inputs: Annotated[list[Path] | None, typer.Argument(
        help="Videos (files, folders of videos, frame folders) or heatmap shards (not with "
             "--stream).", show_default=False)] = None,
    top: Annotated[int, typer.Option(help="Gallery names listed per track.")] = 5,
    threshold: Annotated[float | None, typer.Option(
        help="Largest distance that still names a person (default: the gallery's calibrated "
             "one); above it the track is 'unknown'.")] = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Write the results as JSON here (and the picture beside it).",
        rich_help_panel="Output")] = None,
    png: Annotated[Path | None, typer.Option(
        help="The picture: each track's strip beside its top matches' strips. [default: beside "
             "--json, else OUT/identify.png]", rich_help_panel="Output")] = None,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Folder for stage-1 shards of the videos and the picture.",
        rich_help_panel="Output")] = Path("identify-output"),
    checkpoint: Annotated[Path | None, typer.Option(
        help="The gallery's checkpoint, when it has moved (checked by fingerprint).")] = None,
    pose: PoseOption = "blazepose",
    det: DetOption = "blazepose",
    pose_weights: PoseWeightsOption = None,
    max_frames: MaxFramesOption = None,
    device: DeviceOption = "auto",
    runtime: RuntimeOption = "torch",
    model_file: ModelFileOption = None,
    quiet: QuietOption = False,
    stream: Annotated[str | None, typer.Option(
        help="Identify live instead: a camera index (0), an RTSP/HTTP URL or a video file "
             "(played at its frame rate).", rich_help_panel=STREAM, show_default=False)] = None,
    events: Annotated[Path | None, typer.Option(
        help="With --stream: write the events (JSON lines) here instead of to stdout.",
        rich_help_panel=STREAM, show_default=False)] = None,
    video_out: Annotated[Path | None, typer.Option(
        help="With --stream: the annotated video (.mp4, .avi or .mkv).",
        rich_help_panel=STREAM, show_default=False)] = None,
    overrides: SetOption = None,
) -> None:
    """Name every walker in the inputs: stage 1 on videos (every tracked walker), each track
    embedded with the gallery's model, its top gallery names with distances, and a decision:
    the nearest name, or 'unknown' when its distance is above the threshold.

    Examples:

      heatgait identify clip.mp4 --gallery people/ --json clip.json

      heatgait identify shards/ --gallery people/ --top 3 --threshold 0.9

      heatgait identify --stream rtsp://camera/live --gallery people/ --events who.jsonl

    With --stream, each walker is named as soon as the recipe's stream.min_frames of their
    frames are in and renamed on a sliding window (--set stream.min_frames=20 ...); events
    are JSON lines; frames that come while one is processed are skipped and counted; Ctrl-C
    ends with the summary. --runtime onnx|openvino runs the per-frame export there (heatgait
    export RUN --per-frame), found beside --model or the gallery's checkpoint.
    """
    if stream is not None:
        from heatgait.cli.identify_stream import identify_stream

        if inputs:
            raise UsageError("give either INPUTS or --stream SOURCE, not both")
        for flag, value in (("--json", json_out), ("--png", png)):
            if value is not None:
                raise UsageError(f"{flag} is for INPUTS; with --stream use --events FILE "
                                 "(JSON lines) and --video-out FILE")
        identify_stream(stream, gallery, threshold=threshold, checkpoint=checkpoint,
                        events=events, video_out=video_out, overrides=overrides or [],
                        pose=pose, det=det, pose_weights=pose_weights, max_frames=max_frames,
                        device=device, quiet=quiet, runtime=runtime, model_file=model_file)
        return
    if not inputs:
        raise UsageError("give INPUTS (videos or heatmap shards) or --stream SOURCE")
    for flag, value in (("--events", events), ("--video-out", video_out), ("--set", overrides)):
        if value:
            raise UsageError(f"{flag} goes with --stream SOURCE")
    from heatgait.gallery.identify import identify as run_identify
    from heatgait.gallery.identify import save_sheet

    result = run_identify(inputs, gallery, top=top, threshold=threshold, checkpoint=checkpoint,
                          work_dir=out, pose=pose, detector=det,
                          pose_weights=str(pose_weights) if pose_weights else None,
                          max_frames=max_frames, device=device, progress=show_progress(quiet),
                          runtime=runtime, model_file=model_file)
    found = result.found
    for source, reason in found.empty if found else []:
        typer.echo(f"{source}: nobody walks in it ({reason})")
    for source, reason in found.failed if found else []:
        typer.echo(f"{source}: could not be read ({reason})")
    limit = "none" if result.threshold is None else f"{result.threshold:.4f}"
    typer.echo(f"{len(result.results)} tracks against {gallery} (threshold {limit}, "
               f"{result.threshold_source})")
    if result.results:
        width = max(len(r.track.sequence_key) for r in result.results)
        for r in result.results:
            names = ", ".join(f"{m.name} {m.distance:.3f}" for m in r.matches)
            typer.echo(f"  {r.track.sequence_key:<{width}}  {r.track.frames:4d} frames  "
                       f"-> {r.decision:<12}  [{names}]")
        known = sum(r.accepted for r in result.results)
        typer.echo(f"named {known}, unknown {len(result.results) - known}")
    for note in result.notes:
        typer.echo(f"note: {note}")
    if json_out is not None:
        write_text(json_out, json.dumps(result.to_dict(), indent=1) + "\n")
        say(f"results: {json_out}", quiet)
        png = png or json_out.with_suffix(".png")
    if result.results:
        picture = save_sheet(result, png or out / "identify.png")
        say(f"picture: {picture}", quiet)
