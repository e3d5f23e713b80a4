"""``heatgait extract``: walking videos -> HDF5 heatmap shards (stage 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import QuietOption, SetOption, recipe_option, say, show_progress

_MODEL = "Models"


def extract(
    inputs: Annotated[list[Path], typer.Argument(
        help="Video files, folders of videos, or folders of frames (one folder = one sequence).",
        show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Shard folder to write (resumable).")],
    layout: Annotated[str | None, typer.Option(
        help="How names carry subject/type/view: auto, casia-b, ccpg, sustech1k, generic.")] = None,
    pose: Annotated[str | None, typer.Option(
        help="Pose model: hrnet, vitpose (-h/-l/-b/-s), blazepose (offline), or an mmpose "
             "config path. [default: the recipe's]", rich_help_panel=_MODEL)] = None,
    det: Annotated[str | None, typer.Option(
        help="Person detector: rtmdet-person, rtmdet-tiny, blazepose, full-frame, or an mmdet "
             "config path. [default: the recipe's]", rich_help_panel=_MODEL)] = None,
    pose_weights: Annotated[Path | None, typer.Option(
        help="Checkpoint of the pose model (offline use).", rich_help_panel=_MODEL)] = None,
    det_weights: Annotated[Path | None, typer.Option(
        help="Checkpoint of the detector (offline use).", rich_help_panel=_MODEL)] = None,
    device: Annotated[str, typer.Option(help="cpu, cuda, cuda:N or auto.")] = "auto",
    batch_size: Annotated[int | None, typer.Option(
        help="Frames per detector batch and crops per pose batch; 0: the pose batch from free "
             "GPU memory (16 on the CPU).")] = None,
    precision: Annotated[str | None, typer.Option(
        help="Pose forward precision: auto (fp16 on CUDA, fp32 on the CPU), fp32, fp16, bf16. "
             "[default: the recipe's]", rich_help_panel=_MODEL)] = None,
    runtime: Annotated[str | None, typer.Option(
        help="Pose network runtime: auto (the fastest installed for an mmpose model on the "
             "CPU: openvino, then onnx; torch elsewhere), torch, onnx, openvino. "
             "[default: the recipe's]", rich_help_panel=_MODEL)] = None,
    multi_person: Annotated[bool | None, typer.Option(
        "--multi-person/--one-person",
        help="Every tracked walker becomes a sequence (default for the generic layout), or "
             "only the longest-tracked one (default for data-set layouts).")] = None,
    recipe_name: Annotated[str | None, recipe_option(
        "Recipe whose extract: section to use (casia-b, ccpg, sustech1k or a YAML path).")
    ] = None,
    max_frames: Annotated[int | None, typer.Option(
        help="Only the first N frames of each input (quick looks).")] = None,
    overrides: SetOption = None,
    random_init: Annotated[bool, typer.Option(
        "--random-init", hidden=True, help="Build mm models with random weights (tests).")] = False,
    quiet: QuietOption = False,
) -> None:
    """Detect, track and crop each walker in RGB space, run top-down pose, keep the raw
    17x64x48 heatmaps of frames whose mean keypoint score passes the threshold, and write them
    to HDF5 shards. Rerunning the same command resumes; under torchrun each rank takes its own
    share of the inputs.

    Examples:

      heatgait extract videos/ --out shards/ --pose blazepose --det blazepose

      heatgait extract DatasetB/videos --out casia-b/ --recipe casia-b --pose-weights hrnet.pth

      torchrun --nproc-per-node 4 -m heatgait.cli.app extract DatasetB --out s/ --recipe casia-b
    """
    from heatgait.config import Recipe, apply_override, load_recipe
    from heatgait.errors import HeatgaitError
    from heatgait.extract.job.extract import extract_videos

    if recipe_name:
        recipe = load_recipe(recipe_name, overrides)
    else:
        recipe = Recipe(name="extract")
        for item in overrides or []:
            apply_override(recipe, item)

    def found(used_layout: str, counts: dict[str, int]) -> None:
        say(f"found {counts['sequences']} sequences (layout {used_layout}): "
            f"{counts['subjects']} subjects, {counts['types']} types, {counts['views']} views",
            quiet)

    summary = extract_videos(
        inputs, out, recipe=recipe, layout=layout, pose=pose, detector=det,
        pose_weights=str(pose_weights) if pose_weights else None,
        det_weights=str(det_weights) if det_weights else None, device=device,
        batch_size=batch_size, max_frames=max_frames, precision=precision, runtime=runtime,
        multi_person=multi_person,
        random_init=random_init, on_found=found, progress=show_progress(quiet))
    if summary.rank != 0:
        return
    if not quiet:
        for problem in summary.problems:
            typer.echo(f"  {problem['status']}: {problem['source']}: {problem['reason']}",
                       err=True)
    failed = summary.failed
    typer.echo(f"wrote {summary.sequences_written} sequences ({summary.skipped} already done), "
               f"frames kept {summary.frames_kept} / dropped {summary.frames_dropped}, "
               f"empty {len(summary.problems) - len(failed)}, failed {len(failed)} -> {out}")
    if failed:
        raise HeatgaitError(f"{len(failed)} input(s) failed to decode; see "
                            f"{out / 'failures.json'} and fix or remove them, then rerun to "
                            "resume")
