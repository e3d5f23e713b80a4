"""``heatgait verify A B``: same walker or not, with cmp's exit status (0 same, 1 different,
2 trouble)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import QuietOption, say
from heatgait.cli.gallery import DetOption, DeviceOption, PoseOption, PoseWeightsOption
from heatgait.cli.output import debug_requested
from heatgait.errors import HeatgaitError
from heatgait.fileio import write_text

SIDE_HELP = ("A video, SHARDS:SEQUENCE_KEY (a sequence of a shard file or folder) or a person's "
             "name in --gallery.")


class Trouble(HeatgaitError):
    """Anything that stops an answer: exit 2, so that 1 always means 'different'."""

    exit_code = 2


def verify(
    a: Annotated[str, typer.Argument(help=SIDE_HELP, metavar="A", show_default=False)],
    b: Annotated[str, typer.Argument(help=SIDE_HELP, metavar="B", show_default=False)],
    gallery: Annotated[Path | None, typer.Option(
        "--gallery", "-g", help="Gallery: its model, its names, and (without --data or "
        "--threshold) the threshold calibrated from its entries.", show_default=False)] = None,
    checkpoint: Annotated[Path | None, typer.Option(
        help="Run folder or checkpoint (without --gallery; with it, where its model moved).",
        show_default=False)] = None,
    data: Annotated[list[Path] | None, typer.Option(
        "--data", "-d", help="Labelled shards (repeatable) whose impostor pairs set the "
        "threshold, e.g. the run's test set.", show_default=False)] = None,
    far: Annotated[float, typer.Option(help="False-accept rate the threshold allows.")] = 0.01,
    threshold: Annotated[float | None, typer.Option(
        help="Use this distance threshold instead of calibrating one.")] = None,
    png: Annotated[Path | None, typer.Option(
        help="Picture of the two walks side by side.", rich_help_panel="Output")] = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Write the verdict as JSON here.", rich_help_panel="Output")] = None,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Folder for stage-1 shards of videos.", rich_help_panel="Output"
    )] = Path("verify-output"),
    pose: PoseOption = "blazepose",
    det: DetOption = "blazepose",
    pose_weights: PoseWeightsOption = None,
    device: DeviceOption = "auto",
    quiet: QuietOption = False,
) -> None:
    """Are A and B the same walker? Prints the verdict, the distance and the threshold (at
    --far, from --data or the gallery, or --threshold). Exit status as cmp and diff: 0 same,
    1 different, 2 trouble (bad input: one line on stderr).

    Examples:

      heatgait verify synth:001/nm-01/090 synth:001/nm-02/090 --checkpoint run --data synth

      heatgait verify clip.mp4 alice --gallery people/ --far 0.001 --png pair.png
    """
    from heatgait.gallery.verify import save_pair_picture
    from heatgait.gallery.verify import verify as run_verify

    try:
        verdict = run_verify(a, b, gallery_dir=gallery, checkpoint=checkpoint, data=data,
                             far=far, threshold=threshold, device=device, work_dir=out,
                             stage1={"pose": pose, "detector": det, "device": device,
                                     "pose_weights": str(pose_weights) if pose_weights
                                     else None})
        if png is not None:
            say(f"picture: {save_pair_picture(verdict, png)}", quiet)
        if json_out is not None:
            write_text(json_out, json.dumps(verdict.to_dict(), indent=1) + "\n")
    except HeatgaitError as exc:
        raise Trouble(str(exc)) from exc
    except Exception as exc:  # even a bug is trouble (2): exit 1 must only mean "different"
        if debug_requested():
            raise
        raise Trouble(f"internal error: {type(exc).__name__}: {exc} (rerun with "
                      "HEATGAIT_DEBUG=1 for the traceback and report it)") from exc
    for note in verdict.notes:
        say(f"note: {note}", quiet)
    asked = f" at FAR {verdict.far:g}" if verdict.far is not None else ""
    typer.echo(f"{'same walker' if verdict.same else 'different walkers'}: distance "
               f"{verdict.distance:.4f} {'<=' if verdict.same else '>'} threshold "
               f"{verdict.threshold:.4f}{asked} ({verdict.threshold_source})")
    if not verdict.same:
        raise typer.Exit(1)
