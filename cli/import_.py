"""``heatgait import``: heatmap pickles or 2D keypoints of a pose data set -> shards."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import QuietOption, show_progress

FORMAT_HELP = ("heatmaps (pickled [T, 17, 64, 48] per <id>/<type>/<view>), pkl (pose pickles "
               "[T, 17|18, 3] or GREW's [T, 53]), openpose (per-frame JSON, OU-MVLP-Pose), grew "
               "(*_2d_pose.txt), gait3d (human_crop_f*.txt), alphapose "
               "(alphapose-results.json), coco (keypoint results), mmpose (inferencer "
               "predictions). Default: detected from the files.")


def import_reference(
    root: Annotated[Path, typer.Argument(help="A tree (<id>/<type>/<view>/... or a data set's "
                                         "own layout) or one result JSON file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the shards.")],
    dataset: Annotated[str, typer.Option(help="Data set name written into the shards.")] = "",
    format_: Annotated[str, typer.Option("--format", help=FORMAT_HELP)] = "",
    rendering: Annotated[str, typer.Option(help="Keypoints -> maps: pose-model (UDP Gaussians "
                                           "as a top-down pose model draws them) or "
                                           "skeletongait (Table 4's regenerated maps).")
                         ] = "pose-model",
    storage: Annotated[str, typer.Option(help="uint8-sqrt (default: 8 bits that keep the faint "
                                         "shade), uint8 (linear), float16, or keypoints "
                                         "(keypoint imports: no maps stored, drawn from the "
                                         "keypoints on every read).")] = "uint8-sqrt",
    quiet: QuietOption = False,
) -> None:
    """Convert heatmaps already extracted in the reference layout, or the 2D keypoints of a
    pose data set (CASIA-B-Pose, OU-MVLP-Pose, GREW, Gait3D) or of AlphaPose, OpenPose or
    mmpose output, into heatgait shards. Resumable: rerun to finish an interrupted import.

    WARNING: unpickling runs code. Only import pickles you trust.
    """
    from heatgait.data.schema import KEYPOINTS_STORAGE, STORAGES
    from heatgait.errors import UsageError
    from heatgait.extract.keypoints.importer import FORMATS, detect_format, import_keypoints

    if not root.exists():
        raise UsageError(f"{root}: no such file or folder; give the root of the data set's tree")
    if storage not in (*STORAGES, KEYPOINTS_STORAGE):
        raise UsageError(f"--storage {storage}: use {', '.join(STORAGES)} or keypoints")
    if format_ and format_ not in ("heatmaps", *FORMATS):
        raise UsageError(f"--format {format_}: use heatmaps, {', '.join(FORMATS)}")
    fmt = format_ or detect_format(root)
    if fmt == "heatmaps":
        if storage == KEYPOINTS_STORAGE:
            raise UsageError("--storage keypoints is for keypoint imports; heatmap pickles "
                             "are stored as maps: use uint8-sqrt, uint8 or float16")
        _import_heatmaps(root, out, dataset, storage, quiet)
        return
    result = import_keypoints(root, out, fmt=fmt, dataset=dataset, rendering=rendering,
                              storage=storage, progress=show_progress(quiet))
    for problem in result.skipped.problems:
        typer.echo(f"skipped: {problem}", err=True)
    typer.echo(f"imported {fmt} keypoints into {out} ({rendering} rendering): {result.new} new "
               f"sequence(s) in {len(result.written)} shard(s), {result.found - result.new} "
               "already there")
    if result.skipped.counts:
        typer.echo(result.skipped.summary())


def _import_heatmaps(root: Path, out: Path, dataset: str, storage: str, quiet: bool) -> None:
    from heatgait.data.importer import import_reference as run_import
    from heatgait.data.shards import existing_keys
    from heatgait.errors import HeatgaitError, UsageError

    if not root.is_dir():
        raise UsageError(f"{root}: no such folder; give the root of the <id>/<type>/<view> tree")
    written = run_import(root, out, dataset=dataset, storage=storage,
                         progress=show_progress(quiet))
    total = len(existing_keys(out))
    if total == 0:
        raise HeatgaitError(f"{root}: no <id>/<type>/<view>/*.pkl holds a [T, 17, 64, 48] "
                            "heatmap array; for keypoint pickles pass --format pkl")
    typer.echo(f"imported into {out}: {len(written)} new shard(s), {total} sequences in all")
