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
    from heatgait.data.check import check_shards
    from heatgait.data.shardset import ShardSet, shard_paths
    from heatgait.errors import UsageError

    files = shard_paths(shards) if all(Path(s).exists() for s in shards) else []
    problems = check_shards(shards, verify_checksums=not fast)
    if not files and not problems:
        raise UsageError(f"no shard files in {', '.join(map(str, shards))}; give .h5 files or "
                         "folders that hold them")
    for problem in problems:
        typer.echo(f"BAD {problem}", err=True)
    if problems:
        bad_files = len({p.file for p in problems})
        typer.echo(f"{bad_files} bad file(s), {len(problems)} fault(s) in {len(files)} file(s)",
                   err=True)
        raise typer.Exit(1)
    sequences = ShardSet(files, verify=False)
    frames = sum(info.num_frames for info in sequences.sequences)
    subjects = len({info.subject for info in sequences.sequences})
    typer.echo(f"OK {len(files)} file(s): {len(sequences)} sequences, {frames} frames, "
               f"{subjects} subjects")
