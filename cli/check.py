"""``heatgait check``: validate shard files; exit 0 only when every file is sound."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def check(
    shards: Annotated[list[Path], typer.Argument(help="Shard files or folders of shards.")],
    fast: Annotated[bool, typer.Option("--fast", help="Skip the per-frame checksums "
                                       "(structure, shapes and NaN only).")] = False,
) -> None:
    """Validate shards: structure, shapes, dtypes, schema version, NaN, truncated or corrupt
    files and flipped bytes. Names each bad file and its fault.

    Example: heatgait check shards/casia-b
    """
    from heatgait.data.check import check_report

    report = check_report(shards, verify_checksums=not fast)
    for path, storage in report.storages.items():
        typer.echo(f"{path}: storage {storage}")
    for problem in report.problems:
        typer.echo(f"BAD {problem}", err=True)
    if not report.ok:
        typer.echo(f"{report.bad_files} bad file(s), {len(report.problems)} fault(s) in "
                   f"{len(report.files)} file(s)", err=True)
        raise typer.Exit(1)
    held = report.summary
    typer.echo(f"OK {held.files} file(s): {held.sequences} sequences, {held.frames} frames, "
               f"{held.subjects} subjects")
