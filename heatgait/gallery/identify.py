"""``heatgait identify`` as a library call: who is each walker of some footage?

Each track of the inputs (stage 1 first for videos) is embedded with the gallery's own model
and matched against the gallery: the top-k names with their distances, and a decision: the
nearest name, or ``unknown`` when its distance is above the threshold (``threshold`` when
given, else the gallery's calibrated one; with neither, the nearest name is always given and
the result says that no threshold was applied).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from heatgait.errors import UsageError
from heatgait.gallery.gallery import Gallery
from heatgait.gallery.search import Match
from heatgait.gallery.sources import Track, TrackSet, collect_tracks

UNKNOWN = "unknown"
SHEET_ROWS = 40  # query tracks drawn in the picture at most
SHEET_MATCHES = 3  # matches drawn per query at most


@dataclass
class TrackResult:
    track: Track
    matches: list[Match]
    decision: str
    accepted: bool

    @property
    def best(self) -> float:
        return self.matches[0].distance if self.matches else float("inf")


@dataclass
class Identification:
    gallery: Path
    threshold: float | None
    threshold_source: str  # "--threshold", "calibrated" or "none"
    results: list[TrackResult] = field(default_factory=list)
    found: TrackSet | None = None
    fingerprint: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The machine form (``--json``)."""
        return {
            "gallery": str(self.gallery), "threshold": self.threshold,
            "threshold_source": self.threshold_source, "model": self.fingerprint,
            "notes": self.notes,
            "empty_inputs": [{"input": i, "reason": r} for i, r in (self.found.empty
                                                                    if self.found else [])],
            "failed_inputs": [{"input": i, "reason": r} for i, r in (self.found.failed
                                                                     if self.found else [])],
            "tracks": [{
                "source": r.track.source, "sequence_key": r.track.sequence_key,
                "frames": r.track.frames, "shard": r.track.shard,
                "decision": r.decision, "accepted": r.accepted,
                "best_distance": r.best if r.matches else None,
                "matches": [{"name": m.name, "distance": m.distance, "entry_id": m.entry.id,
                             "sequence_key": m.entry.sequence_key, "source": m.entry.source}
                            for m in r.matches],
            } for r in self.results],
        }


def decide(matches: list[Match], threshold: float | None) -> tuple[str, bool]:
    """(decision, accepted): the nearest name when within the threshold, else ``unknown``."""
    if not matches:
        return UNKNOWN, False
    if threshold is None or matches[0].distance <= threshold:
        return matches[0].name, True
    return UNKNOWN, False


def pick_threshold(gallery: Gallery, threshold: float | None) -> tuple[float | None, str,
                                                                       list[str]]:
    notes: list[str] = []
    if threshold is not None:
        return float(threshold), "--threshold", notes
    calibration = gallery.calibration
    if calibration is None:
        notes.append("no threshold: the gallery is not calibrated and no --threshold was given, "
                     "so every track gets its nearest name (run heatgait gallery calibrate)")
        return None, "none", notes
    entries, then = gallery.count(), int(calibration.get("entries", 0))
    if then and abs(entries - then) > 0.2 * then:
        notes.append(f"the gallery was calibrated at {then} entries and now has {entries}: "
                     "a stranger's best match gets closer as the gallery grows; recalibrate")
    return float(calibration["threshold"]), "calibrated", notes


def identify(inputs: list[str | Path], gallery_dir: str | Path, *, top: int = 5,
             threshold: float | None = None, checkpoint: str | Path | None = None,
             work_dir: str | Path = "identify-output", pose: str = "blazepose",
             detector: str = "blazepose", pose_weights: str | None = None,
             max_frames: int | None = None, device: str = "auto",
             progress: bool = False, runtime: str = "torch",
             model_file: str | Path | None = None) -> Identification:
    """Identifies every track of ``inputs`` against the gallery (see the module doc)."""
    from heatgait.gallery.encoder import load_gallery_encoder
    from heatgait.training.fingerprint import recorded_form

    if top < 1:
        raise UsageError(f"--top {top}: give 1 or more (how many gallery names to list per "
                         "track)")
    gallery = Gallery(gallery_dir)
    try:
        if gallery.count() == 0:
            raise UsageError(f"gallery {gallery_dir} is empty (0 entries); enrol walkers with "
                             f"`heatgait gallery add {gallery_dir} CHECKPOINT VIDEOS_OR_SHARDS`")
        encoder = load_gallery_encoder(gallery.fingerprint or {}, checkpoint, device,
                                       str(gallery_dir), runtime, model_file)
        limit, source, notes = pick_threshold(gallery, threshold)
        found = collect_tracks(inputs, Path(work_dir) / "extract", pose=pose, detector=detector,
                               pose_weights=pose_weights, max_frames=max_frames, device=device,
                               progress=progress)
        result = Identification(gallery=Path(gallery_dir), threshold=limit,
                                threshold_source=source, found=found,
                                fingerprint=recorded_form(encoder.fingerprint), notes=notes)
        if not found.tracks:
            return result
        embeddings = encoder.embed(found.shards, [t.position for t in found.tracks],
                                   progress=progress)
        for track, matches in zip(found.tracks, gallery.search(embeddings, top=top)):
            decision, accepted = decide(matches, limit)
            result.results.append(TrackResult(track, matches, decision, accepted))
        if gallery.index_rebuilt:
            result.notes.append("the gallery's index file was missing or stale and was "
                                "rebuilt in memory; the next add or remove writes it again")
        return result
    finally:
        gallery.close()


def short_key(name: str) -> str:
    """``clip/seq/000/track-3`` -> ``clip/track-3`` (captions are narrow); others as they are."""
    parts = name.split("/")
    if len(parts) >= 4 and parts[-1].startswith("track-"):
        return f"{parts[0]}/{parts[-1]}"
    return name


def save_sheet(identification: Identification, path: str | Path,
               rows: int = SHEET_ROWS, matches: int = SHEET_MATCHES) -> Path:
    """The picture: each query track's strip beside the strips of its top matches."""
    from heatgait.extract.job.render import save_image
    from heatgait.gallery.pictures import decode_jpeg, identification_sheet, track_strips

    shown = identification.results[:rows]
    found = identification.found
    strips = track_strips(found.shards, [r.track for r in shown]) if shown else []
    lines = []
    with Gallery(identification.gallery) as gallery:
        for result, strip in zip(shown, strips):
            caption = (f"{short_key(result.track.sequence_key)} -> {short_key(result.decision)}"
                       + (f" {result.best:.3f}" if result.matches else ""))
            drawn = [(decode_jpeg(gallery.picture(m.entry.id)),
                      f"{i + 1}. {short_key(m.name)} {m.distance:.3f}", result.accepted and i == 0)
                     for i, m in enumerate(result.matches[:matches])]
            lines.append((strip, caption, result.accepted, drawn))
    return save_image(identification_sheet(lines) if lines else
                      np.zeros((32, 320, 3), np.uint8), path)
