"""``heatgait identify --stream``: events as JSON lines while the source plays, then the
summary (also after Ctrl-C)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer


def identify_stream(source: str, gallery: Path, *, threshold: float | None,
                    checkpoint: Path | None, events: Path | None, video_out: Path | None,
                    overrides: list[str], pose: str, det: str, pose_weights: Path | None,
                    max_frames: int | None, device: str, quiet: bool, runtime: str = "torch",
                    model_file: Path | None = None) -> None:
    from heatgait.stream.identify import open_stream

    identifier = open_stream(source, gallery, threshold=threshold, checkpoint=checkpoint,
                             overrides=overrides, pose=pose, detector=det,
                             pose_weights=str(pose_weights) if pose_weights else None,
                             device=device, max_frames=max_frames, runtime=runtime,
                             model_file=model_file)
    annotator = None
    if video_out is not None:
        from heatgait.stream.annotate import VideoAnnotator

        annotator = VideoAnnotator(video_out, identifier.reader.fps)
    s = identifier.settings
    limit = "none" if identifier.threshold is None else f"{identifier.threshold:.4f}"
    banner = (f"streaming {identifier.reader.name} at {identifier.reader.fps:g} frames/s against "
        f"{gallery} (threshold {limit}, {identifier.summary.threshold_source}; identity after "
        f"{s.min_frames} frames, window {s.window or 'all'}, every {s.every}); Ctrl-C ends")
    if not quiet:
        typer.echo(banner, err=events is None)
    # a live log: each event is written and flushed as it happens, so that a reader can
    # follow the file (an atomic write at the end would show nothing until the stream ends)
    out = open(events, "w", encoding="utf-8") if events is not None else sys.stdout
    try:
        summary = identifier.run(on_event=lambda e: (out.write(json.dumps(e.to_dict()) + "\n"),
                                                     out.flush()),
                                 annotator=annotator)
    finally:
        if out is not sys.stdout:
            out.close()
        written = annotator.close() if annotator is not None else None
    lines = [
        f"{'interrupted' if summary.interrupted else 'source ended'}: {summary.frames_read} "
        f"frames read, {summary.frames_processed} processed, {summary.frames_skipped} skipped "
        f"({summary.processed_fps:.2f} processed frames/s of {summary.fps:g}); "
        f"{summary.tracks} tracks, {summary.tracks_named} named; {summary.events} events",
        "seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in summary.seconds.items()),
    ]
    if summary.error:
        lines.append(f"note: the source stopped early: {summary.error}")
    lines += [f"note: {note}" for note in summary.notes]
    if written is not None:
        lines.append(f"annotated video: {written}")
    for line in lines:  # stdout carries the events when no --events file is given
        typer.echo(line, err=events is None)
