"""``heatgait identify``: who walks in this footage? Each track against a gallery."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import ModelFileOption, QuietOption, RuntimeOption, say, show_progress
from heatgait.cli.gallery import (
    DetOption,
    DeviceOption,
    MaxFramesOption,
    PoseOption,
    PoseWeightsOption,
)
from heatgait.fileio import write_text


def identify(
    inputs: Annotated[list[Path], typer.Argument(
        help="Videos (files, folders of videos, frame folders) or heatmap shards.",
        show_default=False)],
    gallery: Annotated[Path, typer.Option("--gallery", "-g", help="Gallery folder "
                                          "(heatgait gallery add).", show_default=False)],
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
) -> None:
    """Name every walker in the inputs: stage 1 on videos (every tracked walker), each track
    embedded with the gallery's model, its top gallery names with distances, and a decision:
    the nearest name, or 'unknown' when its distance is above the threshold.

    Examples:

      heatgait identify clip.mp4 --gallery people/ --json clip.json

      heatgait identify shards/ --gallery people/ --top 3 --threshold 0.9
    """
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
