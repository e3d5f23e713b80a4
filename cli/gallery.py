"""``heatgait gallery add/list/remove/calibrate``: the people heatgait can name."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import ModelFileOption, QuietOption, RuntimeOption, say, show_progress
from heatgait.errors import UsageError
from heatgait.fileio import write_text

STAGE1 = "Stage 1 (videos)"

gallery_app = typer.Typer(
    name="gallery", no_args_is_help=True, add_completion=False,
    help="Enrol walkers into a gallery folder, list or remove them, calibrate its threshold.",
    epilog="Then: heatgait identify VIDEOS --gallery GALLERY.")


class NameFrom(str, Enum):
    key = "key"
    subject = "subject"


GalleryArg = Annotated[Path, typer.Argument(
    help="Gallery folder (created by the first add).", show_default=False)]
PoseOption = Annotated[str, typer.Option(
    help="Pose model for videos: blazepose (offline), hrnet, vitpose, ...", rich_help_panel=STAGE1)]
DetOption = Annotated[str, typer.Option(
    "--det", help="Person detector for videos: blazepose (offline), rtmdet-person, ...",
    rich_help_panel=STAGE1)]
PoseWeightsOption = Annotated[Path | None, typer.Option(
    help="Pose checkpoint (offline use of hrnet/vitpose).", rich_help_panel=STAGE1)]
MaxFramesOption = Annotated[int | None, typer.Option(
    help="Only the first N frames of each video (quick looks).", rich_help_panel=STAGE1)]
DeviceOption = Annotated[str, typer.Option(help="cpu, cuda, cuda:N or auto.")]


def _waiting(gallery: Path, quiet: bool):
    return lambda: say(f"waiting for another process writing to gallery {gallery} ...", quiet)


@gallery_app.command("add")
def add(
    gallery: GalleryArg,
    checkpoint: Annotated[Path, typer.Argument(
        help="Run folder or .pt checkpoint whose model embeds the walkers (with --runtime "
             "onnx|openvino: or its export, .onnx).", show_default=False)],
    inputs: Annotated[list[Path], typer.Argument(
        help="Heatmap shards (.h5 files or folders), or videos / folders of videos / frame "
             "folders.", show_default=False)],
    name: Annotated[str | None, typer.Option(
        help="Enrol every track under this name (one person's footage).")] = None,
    name_from: Annotated[NameFrom, typer.Option(
        help="Without --name: name each entry by its subject label (shards of a data set) or "
             "by its sequence key (one distinct name per tracked walker).")] = NameFrom.key,
    pose: PoseOption = "blazepose",
    det: DetOption = "blazepose",
    pose_weights: PoseWeightsOption = None,
    max_frames: MaxFramesOption = None,
    device: DeviceOption = "auto",
    runtime: RuntimeOption = "torch",
    model_file: ModelFileOption = None,
    quiet: QuietOption = False,
) -> None:
    """Enrol walkers: every track of the inputs becomes one gallery entry (videos go through
    stage 1 first, every tracked walker kept). The gallery records the model's fingerprint and
    refuses embeddings of any other checkpoint. Rerunning an add skips what is already in.

    Examples:

      heatgait gallery add people/ runs/synth data/synth --name-from subject

      heatgait gallery add people/ runs/synth alice.mp4 --name alice
    """
    from heatgait.gallery.enrol import enrol

    summary = enrol(gallery, checkpoint, inputs, name=name, name_from=name_from.value,
                    pose=pose, detector=det, pose_weights=str(pose_weights) if pose_weights
                    else None, max_frames=max_frames, device=device,
                    progress=show_progress(quiet), on_wait=_waiting(gallery, quiet),
                    runtime=runtime, model_file=model_file)
    for source, reason in summary.empty:
        typer.echo(f"{source}: nobody walks in it ({reason}); no entry added")
    if name and summary.tracks > 1 and summary.added:
        say(f"note: {len(summary.added)} tracks enrolled as {name!r}; if some are other people, "
            f"remove them: heatgait gallery remove {gallery} ID ...", quiet)
    typer.echo(f"added {len(summary.added)} entries to {gallery} "
               f"({len(summary.skipped)} already there); the gallery now holds "
               f"{summary.entries} entries")
    if summary.failed:
        from heatgait.errors import HeatgaitError

        source, reason = summary.failed[0]
        raise HeatgaitError(f"{source}: could not be read ({reason}); the other inputs were "
                            f"added; fix or drop it and rerun the same command")


@gallery_app.command("list")
def list_entries(
    gallery: GalleryArg,
    name: Annotated[list[str] | None, typer.Option(help="Only entries of this name (repeatable).")
                    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the list as JSON.")
                        ] = None,
) -> None:
    """List the entries: id, name, frames, when added, sequence key and source; above them,
    the model, the index and the calibration."""
    import json

    from heatgait.gallery.gallery import Gallery
    from heatgait.gallery.model_match import describe_model

    with Gallery(gallery) as g:
        entries = g.entries(names=name or None)
        model, calibration, index = g.fingerprint, g.calibration, g.index_info
        names, size = g.names(), g.disk_bytes()
    typer.echo(f"gallery {gallery}: {sum(names.values())} entries, {len(names)} names, "
               f"{size / 1e6:.1f} MB; index {index['kind']} (generation {index['generation']})")
    if model:
        typer.echo(f"model: {describe_model(model)}")
    if calibration:
        typer.echo(f"threshold: {calibration['threshold']:.4f} (FAR {calibration['far_target']:g}"
                   f" on {calibration['impostor']} impostor tracks, calibrated at "
                   f"{calibration['entries']} entries)")
    else:
        typer.echo("threshold: none (run heatgait gallery calibrate)")
    if entries:
        header = ("id", "name", "frames", "added", "sequence key", "source")
        rows = [(str(e.id), e.name, str(e.frames), e.added, e.sequence_key, e.source)
                for e in entries]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
        for row in [header, *rows]:
            typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[-1])
    if json_out is not None:
        write_text(json_out, json.dumps({"model": model, "calibration": calibration,
                                         "index": index,
                                         "entries": [e.to_dict() for e in entries]}, indent=1))


@gallery_app.command("remove")
def remove(
    gallery: GalleryArg,
    ids: Annotated[list[int] | None, typer.Argument(help="Entry ids (see gallery list).",
                                                    show_default=False)] = None,
    name: Annotated[list[str] | None, typer.Option(help="Every entry of this name (repeatable).")
                    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Remove entries by id and/or by name, in one transaction."""
    from heatgait.gallery.gallery import Gallery

    if not ids and not name:
        raise UsageError("name what to remove: entry IDs (see heatgait gallery list) or "
                         "--name NAME")
    with Gallery(gallery) as g:
        gone = g.remove(ids=ids or (), names=name or (), on_wait=_waiting(gallery, quiet))
        left = g.count()
    missing = sorted(set(ids or ()) - {e.id for e in gone})
    for entry in gone:
        say(f"removed {entry.id}: {entry.name} ({entry.sequence_key})", quiet)
    typer.echo(f"removed {len(gone)} entries; {left} left"
               + (f"; no entry with id {', '.join(map(str, missing))}" if missing else ""))


@gallery_app.command("calibrate")
def calibrate(
    gallery: GalleryArg,
    data: Annotated[list[Path], typer.Option(
        "--data", "-d", help="Labelled heatmap shards (files or folders, repeatable): their "
        "subject labels are compared with the entry names.")],
    far: Annotated[float, typer.Option(help="Target false-accept rate of a stranger.")] = 0.01,
    checkpoint: Annotated[Path | None, typer.Option(
        help="The gallery's checkpoint, when it has moved (checked by fingerprint).")] = None,
    device: DeviceOption = "auto",
    runtime: RuntimeOption = "torch",
    model_file: ModelFileOption = None,
    quiet: QuietOption = False,
) -> None:
    """Set the open-set threshold: the largest distance at which at most FAR of strangers'
    best matches are accepted. A labelled track's impostor score is its distance to the
    nearest entry of another name; its genuine score, to the nearest entry of its own name.
    """
    from heatgait.gallery.calibrate import calibrate_from_shards

    record = calibrate_from_shards(gallery, data, far, checkpoint, device,
                                   progress=show_progress(quiet),
                                   on_wait=_waiting(gallery, quiet), runtime=runtime,
                                   model_file=model_file)
    typer.echo(f"threshold {record['threshold']:.4f} for FAR {far:g}: "
               f"{record['far'] * 100:.2f} % of {record['impostor']} impostor tracks accepted")
    if record["tar"] is not None:
        typer.echo(f"enrolled people: {record['tar'] * 100:.2f} % of {record['genuine']} tracks "
                   f"within the threshold, {record['identified'] * 100:.2f} % named right")
    if record.get("note"):
        typer.echo(f"note: {record['note']}")
