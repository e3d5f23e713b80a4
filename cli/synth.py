"""`heatgait synth`: write a synthetic CASIA-B-style heatmap data set (shards, split, recipe)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import QuietOption, recipe_option, say, show_progress
from heatgait.errors import UsageError


def _parse_list(text: str, option: str) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise UsageError(f"{option} {text!r}: give a comma-separated list, e.g. 000,090,180")
    return items


def _parse_frames(text: str) -> tuple[int, int]:
    parts = text.split(",")
    try:
        lo, hi = (int(parts[0]), int(parts[-1])) if len(parts) <= 2 else (None, None)
    except ValueError:
        lo = hi = None
    if lo is None or hi is None:
        raise UsageError(f"--frames {text!r}: give LOW,HIGH frames per sequence, e.g. 30,50")
    return lo, hi


def synth(
    out: Annotated[Path, typer.Argument(help="Folder for the shards, split.json and recipe.yaml.")],
    subjects: Annotated[int, typer.Option("--subjects", "-n", help="Number of subjects.",
                                          rich_help_panel="Data set")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same bytes.",
                                      rich_help_panel="Data set")] = 0,
    views: Annotated[str | None, typer.Option(
        "--views", help="Comma-separated views in degrees (default: all 11, 000,018,...,180).",
        rich_help_panel="Data set")] = None,
    types: Annotated[str | None, typer.Option(
        "--types", help="Comma-separated types (default: nm-01..06, bg-01,02, cl-01,02).",
        rich_help_panel="Data set")] = None,
    frames: Annotated[str, typer.Option("--frames", help="Frames per sequence: LOW,HIGH.",
                                        rich_help_panel="Data set")] = "30,50",
    tilt_deg: Annotated[float, typer.Option(
        "--tilt-deg", help="Largest camera roll in degrees (0: none).",
        rich_help_panel="Camera faults")] = 20.0,
    offset_px: Annotated[float, typer.Option(
        "--offset-px", help="Largest off-centre shift of the person, in heatmap pixels.",
        rich_help_panel="Camera faults")] = 2.0,
    recipe_name: Annotated[str | None, recipe_option(
        "Name the set after this recipe's data set (casia-b, ccpg, sustech1k or a YAML path): "
        "its types and views, subjects from its split, and a recipe.yaml that keeps its "
        "protocol, so `heatgait train --recipe NAME` runs on it as is. [default: CASIA-B "
        "names, subjects 001.., a split of their own]")] = None,
    workers: Annotated[int, typer.Option(
        "--workers", "-j", help="Rendering processes (0: none; the output is the same).",
        rich_help_panel="Run")] = 0,
    quiet: QuietOption = False,
) -> None:
    """Generate a synthetic gait data set of pose heatmaps, CASIA-B style (or named after a
    recipe's data set with --recipe).

    Subjects differ in body proportions and in how they walk; the conditions nm (normal),
    bg (a bag) and cl (a coat) change appearance only. The folder gets HDF5 shards,
    split.json (first half train) and recipe.yaml for `heatgait train`.

    Examples:

      heatgait synth data/synth --subjects 40 --seed 1

      heatgait synth data/synth-ccpg --recipe ccpg --subjects 8 --views 1_1,2_1
    """
    from heatgait.synth.generate import SynthOptions, generate_dataset, options_for_recipe

    fields = {"seed": seed, "frames": _parse_frames(frames), "tilt_deg": tilt_deg,
              "offset_px": offset_px, "workers": workers}
    if views is not None:
        fields["views"] = _parse_list(views, "--views")
    if types is not None:
        fields["types"] = _parse_list(types, "--types")
    try:
        opts = (options_for_recipe(recipe_name, subjects, **fields) if recipe_name
                else SynthOptions(subjects=subjects, **fields))
        summary = generate_dataset(out, opts, progress=show_progress(quiet))
    except ValueError as error:
        raise UsageError(f"heatgait synth: {error}") from None
    say(f"wrote {summary.sequences} sequences ({summary.frames} frames) into "
        f"{len(summary.shards)} shard(s) in {summary.out_dir}"
        + (f"; {summary.skipped} already there" if summary.skipped else ""))
    say(f"subjects: {summary.train_subjects} train, {summary.test_subjects} test "
        f"({summary.split.name}); recipe: {summary.recipe}")
    say(f"next: heatgait train --recipe {summary.recipe} --data {summary.out_dir} "
        f"--out runs/synthetic")
