"""``gallery add`` as a library call: inputs -> tracks -> embeddings -> gallery entries.

The slow part (stage 1 and the network) runs before the gallery is locked, so two adds into
one gallery overlap except for their commits, which the gallery serialises (the second waits).
The model is checked against the gallery's before any of that work starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from heatgait.errors import UsageError
from heatgait.gallery.gallery import Gallery, is_gallery
from heatgait.gallery.sources import Track, collect_tracks
from heatgait.gallery.store import Entry, NewEntry

NAME_SOURCES = ("key", "subject")
EXTRACT_DIR = "extract"


@dataclass
class EnrolSummary:
    """What an add did."""

    gallery: Path
    tracks: int = 0  # tracks found in the inputs
    added: list[Entry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sequence keys already enrolled
    empty: list[tuple[str, str]] = field(default_factory=list)  # inputs where nobody walks
    failed: list[tuple[str, str]] = field(default_factory=list)  # inputs that could not be read
    entries: int = 0  # entries in the gallery afterwards


def entry_name(track: Track, name: str | None, name_from: str) -> str:
    """The name a track is enrolled under: ``name``, its subject label, or its sequence key
    (``video/seq/000/track-3`` for a multi-person video: one distinct name per walker)."""
    if name:
        return name
    if name_from not in NAME_SOURCES:
        raise UsageError(f"--name-from {name_from!r}: use one of {', '.join(NAME_SOURCES)}")
    return track.subject if name_from == "subject" else track.sequence_key


def enrol(gallery_dir: str | Path, checkpoint: str | Path, inputs: Sequence[str | Path], *,
          name: str | None = None, name_from: str = "key", pose: str = "blazepose",
          detector: str = "blazepose", pose_weights: str | None = None,
          max_frames: int | None = None, device: str = "auto", batch_size: int | None = None,
          progress: bool = False, on_wait: Callable[[], None] | None = None,
          runtime: str = "torch", model_file: str | Path | None = None) -> EnrolSummary:
    """Enrols every track of ``inputs`` (videos or shards), embedded with ``checkpoint``."""
    from heatgait.gallery.encoder import load_encoder
    from heatgait.gallery.pictures import encode_jpeg, track_strips

    if name is not None and not name.strip():
        raise UsageError("--name is empty: give the person's name, or drop --name")
    folder = Path(gallery_dir)
    summary = EnrolSummary(gallery=folder)
    encoder = load_encoder(checkpoint, device, batch_size=batch_size, runtime=runtime,
                           model_file=model_file)
    enrolled: set[tuple[str, str]] = set()
    if is_gallery(folder):
        with Gallery(folder) as gallery:
            gallery.check_model(encoder.fingerprint)  # before the slow part
            enrolled = {(e.source, e.sequence_key) for e in gallery.entries()}
    found = collect_tracks(inputs, folder / EXTRACT_DIR, pose=pose, detector=detector,
                           pose_weights=pose_weights, max_frames=max_frames, device=device,
                           progress=progress)
    summary.tracks, summary.empty, summary.failed = len(found.tracks), found.empty, found.failed
    todo = [t for t in found.tracks if (t.source, t.sequence_key) not in enrolled]
    summary.skipped = [t.sequence_key for t in found.tracks
                       if (t.source, t.sequence_key) in enrolled]
    if not todo:
        if is_gallery(folder):
            with Gallery(folder) as gallery:
                summary.entries = gallery.count()
        return summary
    names = [entry_name(t, name, name_from) for t in todo]
    embeddings = encoder.embed(found.shards, [t.position for t in todo], progress=progress)
    strips = track_strips(found.shards, todo)
    items = [NewEntry(name=n, source=t.source, sequence_key=t.sequence_key, frames=t.frames,
                      shard=t.shard, picture=encode_jpeg(s))
             for n, t, s in zip(names, todo, strips)]
    with Gallery(folder, create=True) as gallery:
        result = gallery.add(embeddings, items, encoder.fingerprint, on_wait=on_wait)
        summary.entries = gallery.count()
    summary.added = result.added
    summary.skipped += [item.sequence_key for item in result.skipped]
    return summary
