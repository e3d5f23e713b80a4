"""`heatgait train`: train GaitHeat on heatmap shards (parse, call heatgait.training, print)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import QuietOption, RecipeOption, SetOption, say, show_progress


def train(
    data: Annotated[list[Path], typer.Option(
        "--data", "-d", help="Shard files or folders (repeatable).", rich_help_panel="Data")],
    recipe_name: RecipeOption = "casia-b",
    overrides: SetOption = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Run folder (default runs/<recipe name>).",
        rich_help_panel="Run")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue the run in --out from checkpoints/latest.pt.",
        rich_help_panel="Run")] = False,
    device: Annotated[str, typer.Option(
        "--device", help="auto | cpu | cuda (auto: CUDA when present).",
        rich_help_panel="Run")] = "auto",
    quiet: QuietOption = False,
) -> None:
    """Train the recipe's GaitHeat model on the training subjects found in the shards.

    Writes recipe.yaml, checkpoints/iter-XXXXXX.pt + latest.pt, metrics.jsonl, tensorboard/
    and loss.png into the run folder. Several GPUs or processes: launch with
    `torchrun --nproc_per_node N -m heatgait.cli.app train ...`.

    Example: heatgait train --recipe casia-b --data shards/ --out runs/casia-b --set train.iterations=1000
    """
    from heatgait.config import load_recipe
    from heatgait.training.run import train as run_training

    recipe = load_recipe(recipe_name, overrides or [])
    run_dir = out or Path("runs") / recipe.name
    summary = run_training(recipe, data, run_dir, resume=resume, device=device,
                           progress=show_progress(quiet),
                           warn=lambda line: typer.echo(f"warning: {line}", err=True))
    if summary.world_size > 1 and not _is_rank0():
        return
    say(f"trained {recipe.model.name} on {summary.num_sequences} sequences of "
        f"{summary.num_classes} subjects ({summary.device}, {summary.world_size} process(es))")
    if summary.missing_subjects:
        say(f"note: {len(summary.missing_subjects)} TRAIN_SET subjects of the split are not in "
            f"the shards (e.g. {', '.join(summary.missing_subjects[:3])})")
    say(f"iterations {summary.start_iteration} -> {summary.iterations} in {summary.seconds:.1f} s "
        f"({summary.sequences_per_second:.1f} sequences/s); final loss {summary.final_loss:.4f}")
    if summary.checkpoint is not None:
        say(f"checkpoint: {summary.checkpoint}")
    if summary.curve is not None:
        say(f"loss curve: {summary.curve}")
    say(f"next: heatgait eval {summary.run_dir} --data SHARDS")


def _is_rank0() -> bool:
    from heatgait.launch import launch_env

    return launch_env().is_main
