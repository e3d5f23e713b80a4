"""``heatgait import``: convert heatmaps in the reference pickle layout into shards."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import QuietOption, show_progress


def import_reference(
    root: Annotated[Path, typer.Argument(help="Reference tree root/<id>/<type>/<view>/*.pkl.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the shards.")],
    dataset: Annotated[str, typer.Option(help="Data set name written into the shards.")] = "",
    storage: Annotated[str, typer.Option(help="uint8-sqrt (default: 8 bits that keep the faint "
                                         "shade), uint8 (linear) or float16.")] = "uint8-sqrt",
    quiet: QuietOption = False,
) -> None:
    """Convert heatmaps already extracted in the reference layout (float arrays [T, 17, 64, 48]
    pickled per sequence) into heatgait shards. Resumable: rerun to finish an interrupted import.

    WARNING: unpickling runs code. Only import pickles you trust.
    """
    from heatgait.data.importer import import_reference as run_import
    from heatgait.data.schema import STORAGES
    from heatgait.data.shardset import ShardSet
    from heatgait.errors import UsageError

    if not root.is_dir():
        raise UsageError(f"{root}: no such folder; give the root of the <id>/<type>/<view> tree")
    if storage not in STORAGES:
        raise UsageError(f"--storage {storage}: use {', '.join(STORAGES)}")
    written = run_import(root, out, dataset=dataset, storage=storage,
                         progress=show_progress(quiet))
    total = len(ShardSet(out))
    typer.echo(f"imported into {out}: {len(written)} new shard(s), {total} sequences in all")
