"""``heatgait extract``: walking videos -> HDF5 heatmap shards (stage 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from heatgait.cli.common import QuietOption, SetOption, say, show_progress

DATASET_NAMES = {"casia-b": "CASIA-B", "ccpg": "CCPG", "sustech1k": "SUSTech1K",
                 "generic": "generic"}
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
        help="Frames per detector batch and crops per pose batch.")] = None,
    multi_person: Annotated[bool | None, typer.Option(
        "--multi-person/--one-person",
        help="Every tracked walker becomes a sequence (default for the generic layout), or "
             "only the longest-tracked one (default for data-set layouts).")] = None,
    pipeline: Annotated[str | None, typer.Option(
        "--pipeline", "-p", help="Recipe whose extract: section to use (casia-b, ccpg, "
        "sustech1k or a YAML path).", rich_help_panel="Recipe")] = None,
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

      heatgait extract DatasetB/videos --out casia-b/ -p casia-b --pose-weights hrnet.pth

      torchrun --nproc-per-node 4 -m heatgait.cli.app extract DatasetB --out s/ -p casia-b
    """
    from heatgait.config import Recipe, load_recipe, save_recipe
    from heatgait.errors import HeatgaitError
    from heatgait.extract.backends import build_detector, build_pose, resolve_device
    from heatgait.extract.inputs import discover, layout_counts
    from heatgait.extract.runner import dist_env, gather_reports, run_rank, write_manifest

    recipe = load_recipe(pipeline, overrides) if pipeline else Recipe(name="extract")
    if not pipeline and overrides:
        from heatgait.config import apply_override

        for item in overrides:
            apply_override(recipe, item)
    cfg = recipe.extract
    for name, value in (("layout", layout), ("pose", pose), ("detector", det),
                        ("batch_size", batch_size)):
        if value is not None:
            setattr(cfg, name, value)
    sources, used_layout = discover(inputs, cfg.layout)
    cfg.layout = used_layout
    rank, world = dist_env()
    counts = layout_counts(sources)
    quiet_here = quiet or rank != 0
    say(f"found {counts['sequences']} sequences (layout {used_layout}): {counts['subjects']} "
        f"subjects, {counts['types']} types, {counts['views']} views", quiet_here)
    dataset = recipe.data.dataset if pipeline else DATASET_NAMES[used_layout]
    multi = used_layout == "generic" if multi_person is None else multi_person
    dev = resolve_device(device)
    pose_backend = build_pose(cfg.pose, str(pose_weights) if pose_weights else None, dev,
                              random_init)
    detector = build_detector(cfg.detector, str(det_weights) if det_weights else None, dev,
                              cfg.det_score_thr, cfg.det_nms_thr, random_init)
    out.mkdir(parents=True, exist_ok=True)
    if rank == 0:
        save_recipe(recipe, out / "recipe.yaml")

    from tqdm import tqdm

    bar = tqdm(unit="frame", desc=f"rank {rank}", disable=not show_progress(quiet))
    report = run_rank(sources, out, detector, pose_backend, cfg, dataset=dataset,
                      multi_person=multi, rank=rank, world_size=world,
                      on_frames=bar.update,
                      on_source=lambda s: bar.set_postfix_str(s.key, refresh=False))
    bar.close()
    reports = gather_reports(report)
    if rank == 0:
        info = {"layout": used_layout, "dataset": dataset, "pose_model": pose_backend.name,
                "detector": detector.name, "multi_person": multi,
                "extract": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__}}
        write_manifest(out, reports, info)
    problems = [p for r in reports for p in r.problems]
    failed = [p for p in problems if p["status"] == "failed"]
    if not quiet_here:
        for p in problems:
            typer.echo(f"  {p['status']}: {p['source']}: {p['reason']}", err=True)
    typer.echo(
        f"wrote {sum(r.sequences_written for r in reports)} sequences "
        f"({sum(r.skipped for r in reports)} already done), frames kept "
        f"{sum(r.frames_kept for r in reports)} / dropped {sum(r.frames_dropped for r in reports)}"
        f", empty {len(problems) - len(failed)}, failed {len(failed)} -> {out}"
        if rank == 0 else f"rank {rank}: done")
    if failed:
        raise HeatgaitError(f"{len(failed)} input(s) failed to decode; see {out / 'failures.json'}"
                            " and fix or remove them, then rerun to resume")
