"""Copying chosen sequences of a shard folder into another (e.g. the training subjects' nm)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from heatgait.data.records import SequenceRecord
from heatgait.data.shards import write_shards
from heatgait.data.shardset import SequenceInfo, ShardSet


def copy_sequences(source: Path, out: Path, keep: Callable[[SequenceInfo], bool]) -> int:
    """Writes the sequences of ``source`` that ``keep`` accepts into shards in ``out``."""
    shards = ShardSet(source)
    chosen = [i for i, info in enumerate(shards.sequences) if keep(info)]

    def records():
        for i in chosen:
            info, attrs = shards.sequences[i], shards.attrs(i)
            yield SequenceRecord(
                subject=info.subject, type=info.type, view=info.view, heatmaps=shards.read(i),
                keypoints=shards.read_keypoints(i), boxes=shards.read_side(i, "boxes"),
                frame_indices=shards.read_side(i, "frame_indices"),
                frame_scores=shards.read_side(i, "frame_scores"), dataset=info.dataset,
                source=str(attrs.get("source", "")))

    write_shards(records(), out, progress=False)
    return len(chosen)
