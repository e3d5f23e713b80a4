"""The two things ``heatgait verify A B`` compares, each spelt one of three ways:

- ``VIDEO``: a video file (or frame folder); stage 1 runs on it (as ``identify`` does) and its
  longest track is the walker (the others are named in a note);
- ``SHARDS:SEQUENCE_KEY``: one stored sequence, e.g. ``synth/casia-b:001/nm-01/090`` (SHARDS a
  shard file or a folder of them; the key as ``heatgait show`` and ``gallery list`` print it);
- ``NAME``: a person enrolled in the gallery given with ``--gallery``; all of that person's
  entries count, the nearest one deciding (as identification does).

A path that exists wins over a gallery name; the first ``:`` whose left side is an existing
shard file or folder splits SHARDS from the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from heatgait.errors import UsageError
from heatgait.gallery.gallery import Gallery
from heatgait.gallery.sources import Track, is_shard_input


@dataclass
class Side:
    text: str  # as the user wrote it
    kind: str  # video | sequence | name
    path: Path | None = None  # the video or the shards
    key: str = ""  # sequence key (sequence) or name (name)
    embeddings: np.ndarray | None = None  # [k, c, p]
    strip: np.ndarray | None = None  # RGB picture
    label: str = ""
    note: str = ""


def parse_side(text: str, gallery: Gallery | None) -> Side:
    """What ``text`` names (see the module doc); a one-line UsageError when nothing."""
    for i, char in enumerate(text):
        if char == ":" and i and is_shard_input(Path(text[:i])):
            return Side(text, "sequence", Path(text[:i]), text[i + 1:], label=text[i + 1:])
    path = Path(text)
    if path.exists():
        if is_shard_input(path):
            from heatgait.data.shardset import ShardSet

            keys = [info.key for info in ShardSet([path]).sequences[:3]]
            raise UsageError(f"{text} holds heatmap shards: name one sequence as "
                             f"{text}:SEQUENCE_KEY, e.g. {text}:{keys[0] if keys else '?'}")
        return Side(text, "video", path, label=path.name)
    if gallery is not None and text in gallery.names():
        return Side(text, "name", key=text, label=f"{text} (gallery)")
    where = (f"nor a name in gallery {gallery.folder}" if gallery is not None else
             "(a gallery name needs --gallery GALLERY)")
    raise UsageError(f"{text}: not a video, not SHARDS:SEQUENCE_KEY, {where}")


def embed_side(side: Side, model: Any, gallery: Gallery | None, work_dir: Path,
               stage1: dict[str, Any]) -> Side:
    """Fills ``side.embeddings`` [k, c, p] and its picture, with ``model`` (InferenceModel)."""
    from heatgait.gallery.pictures import decode_jpeg, track_strips

    if side.kind == "name":
        assert gallery is not None
        entries, emb = gallery.fetch_block([e.id for e in gallery.entries(names=[side.key])])
        side.embeddings = emb
        side.strip = decode_jpeg(gallery.picture(entries[0].id))
        side.label = f"{side.key} ({len(entries)} gallery entries)"
        return side
    if side.kind == "sequence":
        from heatgait.data.shardset import ShardSet

        shards = ShardSet([side.path])
        index = shards.index_of(side.key)
        info = shards.sequences[index]
        track = Track(source=str(info.shard), sequence_key=info.key, subject=info.subject,
                      frames=info.num_frames, shard=str(info.shard), position=index)
    else:
        from heatgait.gallery.sources import collect_tracks

        found = collect_tracks([side.path], work_dir / "extract", **stage1)
        if found.failed:
            raise UsageError(f"{side.text}: could not be read ({found.failed[0][1]})")
        if not found.tracks:
            reason = found.empty[0][1] if found.empty else "no walker tracked"
            raise UsageError(f"{side.text}: nobody walks in it ({reason})")
        shards = found.shards
        track = max(found.tracks, key=lambda t: t.frames)
        if len(found.tracks) > 1:
            other = next(t for t in found.tracks if t is not track)
            side.note = (f"{side.text} has {len(found.tracks)} tracked walkers; the longest "
                         f"({track.sequence_key}, {track.frames} frames) was compared; name "
                         f"another as SHARDS:KEY, e.g. {other.shard}:{other.sequence_key}")
        side.label = f"{side.path.name} {track.sequence_key.split('/')[-1]}"
    side.embeddings = model.embed(shards, [track.position])
    side.strip = track_strips(shards, [track])[0]
    return side
