"""The inputs a user names (shard files or videos) as tracks: one walker's sequence each.

Shards (``.h5`` files, or folders holding them) are read as they are: each sequence is a
track. Videos (files, folders of videos, frame folders) go through stage 1 first
(``heatgait.extract.job.extract.extract_videos``, generic layout, every tracked walker kept) into a
folder of their own under ``work_dir``, named after the input and the stage-1 settings, so a
rerun after an interruption resumes there instead of starting over.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heatgait.data.schema import SHARD_SUFFIX
from heatgait.errors import UsageError


@dataclass(frozen=True)
class Track:
    """One sequence to embed: where it came from and where its heatmaps are."""

    source: str  # the video or shard file it came from (resolved path)
    sequence_key: str
    subject: str
    frames: int
    shard: str  # shard file holding it
    position: int  # its index in the TrackSet's ShardSet
    video: str = ""  # the source video, when it is known and still exists (for pictures)


@dataclass
class TrackSet:
    """All tracks of some inputs, one ShardSet over their shards, and the inputs that gave none."""

    shards: Any  # heatgait.data.shardset.ShardSet, or None when no input gave a track
    tracks: list[Track] = field(default_factory=list)
    empty: list[tuple[str, str]] = field(default_factory=list)  # (input, why nobody was found)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (input, why it was unreadable)


def is_shard_input(path: Path) -> bool:
    """A shard file, or a folder that holds shard files."""
    if path.is_file():
        return path.suffix == SHARD_SUFFIX
    return path.is_dir() and any(path.glob(f"*{SHARD_SUFFIX}"))


def split_inputs(inputs: Sequence[str | Path]) -> tuple[list[Path], list[Path]]:
    """(shard inputs, video inputs); a missing path is a UsageError."""
    shards, videos = [], []
    for item in map(Path, inputs):
        if not item.exists():
            raise UsageError(f"{item}: no such file or folder; give videos or heatmap shards")
        (shards if is_shard_input(item) else videos).append(item)
    return shards, videos


def extract_folder(work_dir: Path, video: Path, settings: dict[str, Any]) -> Path:
    """``work_dir/<name>-<hash>``: one folder per input and stage-1 settings."""
    key = repr((str(video.resolve()), sorted(settings.items())))
    return work_dir / f"{video.stem or video.name}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


def collect_tracks(inputs: Sequence[str | Path], work_dir: str | Path, *,
                   pose: str = "blazepose", detector: str = "blazepose",
                   pose_weights: str | None = None, max_frames: int | None = None,
                   device: str = "auto", progress: bool = False) -> TrackSet:
    """Every track of ``inputs``; videos are extracted into ``work_dir`` first."""
    from heatgait.data.shardset import ShardSet

    shard_inputs, videos = split_inputs(inputs)
    result = TrackSet(shards=None)
    folders: list[Path] = []
    if videos:
        from heatgait.extract.job.extract import extract_videos

        settings = {"pose": pose, "detector": detector, "max_frames": max_frames or 0}
        for video in videos:
            out = extract_folder(Path(work_dir), video, settings)
            summary = extract_videos([video], out, layout="generic", pose=pose,
                                     detector=detector, pose_weights=pose_weights,
                                     max_frames=max_frames, multi_person=True, device=device,
                                     progress=progress)
            for problem in summary.problems:
                kind = result.failed if problem["status"] == "failed" else result.empty
                kind.append((problem["source"], problem["reason"]))
            if any(out.glob(f"*{SHARD_SUFFIX}")):
                folders.append(out)
    paths = [*shard_inputs, *folders]
    if not paths:
        return result
    shards = ShardSet(paths)
    result.shards = shards
    from_video = {p.resolve() for p in folders}
    for position, info in enumerate(shards.sequences):
        attrs = shards.attrs(position)
        video = str(attrs.get("source") or "")
        shard = str(Path(info.shard).resolve())
        if Path(shard).parent in from_video:
            source = str(Path(video).resolve()) if video else shard
        else:
            source = shard
        result.tracks.append(Track(
            source=source, sequence_key=info.key, subject=info.subject,
            frames=info.num_frames, shard=shard, position=position,
            video=video if video and Path(video).is_file() else ""))
    return result
