"""``heatgait reproduce``: every extract, train and eval command a table of the paper needs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import SetOption


def reproduce(
    table: Annotated[str, typer.Argument(help="Table of the paper: 1, 2, 3, 4, 5 or all.",
                                         show_default=False)],
    data_root: Annotated[Path, typer.Option(
        "--data-root", help="Folder holding CASIA-B/, CCPG/ and SUSTech1K/ (the videos or "
        "frames in each data set's own layout).")],
    runs: Annotated[Path, typer.Option(
        "--runs", help="Where shards/, runs/ and results/ go.")] = Path("reproduce"),
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only print the commands, marking those already done.")] = False,
    overrides: SetOption = None,
) -> None:
    """Print, then run in order, every `heatgait extract`, `train` and `eval` command that a
    table of the paper needs, skipping what is done: shards that pass check, a finished
    checkpoint, a results JSON. Interrupted, rerun the same command to resume. `--set` values
    go to every train command (e.g. shorter runs). Then `heatgait report RUNS/results/*.json`
    sets the results beside the paper's numbers.

    Example: heatgait reproduce 1 --data-root /data --runs reproduce --dry-run
    """
    from heatgait.cli.app import main
    from heatgait.errors import UsageError
    from heatgait.reproduce.plan import is_done, missing_data, plan_table, run_plan

    steps = plan_table(table, data_root, runs, overrides or [])
    if dry_run:
        for step in steps:
            mark = "done  " if is_done(step) else "to do "
            typer.echo(f"{mark}{step.command}")
        return
    problem = missing_data(steps)
    if problem:
        raise UsageError(problem)
    code = run_plan(steps, main, typer.echo)
    if code:
        raise typer.Exit(code)
    typer.echo(f"table {table}: every step done; next: heatgait report {runs / 'results'}/*.json")
