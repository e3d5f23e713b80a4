"""``heatgait show``: a picture of one extracted sequence's heatmaps."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def show(
    shard: Annotated[Path, typer.Argument(help="A shard file or shard folder.")],
    seq: Annotated[str, typer.Option("--seq", help="Sequence key, e.g. 001/nm-01/090.")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Output image: .png (strip) or .gif (animation). "
        "[default: KEY.png in the current folder]")] = None,
    video: Annotated[Path | None, typer.Option(
        help="Source video or frame folder: draw the heatmaps over the RGB crops. "
             "[default: the recorded source, when it exists]")] = None,
    max_frames: Annotated[int, typer.Option(help="Frames shown, spread over the sequence.")] = 16,
    columns: Annotated[int, typer.Option(help="Tiles per row of the strip.")] = 8,
) -> None:
    """Draw a sequence's heatmaps (max over joints, colour-mapped) with each frame's index and
    mean keypoint score; over the RGB crop when the source video is at hand.

    Example: heatgait show shards/ --seq vtest/seq/000/track-0 --out walker0.gif
    """
    from heatgait.data.shardset import ShardSet
    from heatgait.errors import UsageError
    from heatgait.extract.job import render

    shards = ShardSet(shard)
    index = shards.index_of(seq)
    num = shards.sequences[index].num_frames
    positions = render.pick_frames(num, max_frames)
    heatmaps = shards.read(index, positions)  # [t, 17, 64, 48]
    frame_indices = shards.read_side(index, "frame_indices")[positions]
    scores = shards.read_side(index, "frame_scores")[positions]
    attrs = shards.attrs(index)
    source = video or (Path(attrs["source"]) if attrs.get("source") else None)
    crops = None
    if source is not None and source.exists():
        boxes = shards.read_side(index, "boxes")[positions]
        crops = render.source_crops(source, frame_indices, boxes,
                                    float(attrs.get("padding", 1.25)))
    elif video is not None:
        raise UsageError(f"--video {video}: no such file or folder")
    tiles = render.render_tiles(heatmaps, frame_indices, scores, crops)
    target = out or Path(seq.replace("/", "_") + ".png")
    if target.suffix.lower() == ".gif":
        render.save_image(tiles, target)
    else:
        render.save_image(render.strip(tiles, columns), target)
    typer.echo(f"{seq}: {num} frames ({len(tiles)} shown"
               f"{', over the source crops' if crops is not None else ''}) -> {target}")
