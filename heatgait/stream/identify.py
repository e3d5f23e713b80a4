"""``heatgait identify --stream``: name the walkers of a live source as they walk.

Each frame the paced reader hands over (heatgait.stream.source: the newest one; frames that
came while the last one was processed are skipped and counted) goes through stage 1
(heatgait.stream.stage1), and each walker's kept frame into the sliding window of its track
(heatgait.stream.window), encoded at once. A track is identified as soon as its window holds
``stream.min_frames`` frames, then again every ``stream.every`` new frames on its latest
``stream.window`` frames, against the gallery with its model and threshold, as
``heatgait identify`` does (nearest name, or ``unknown`` above the threshold).

Events (JSON lines): ``identity`` the first time a track is named, ``change`` when a later
window names someone else, ``end`` when the tracker gives the track up (or the source ends),
with its last identity from all of its window. Ctrl-C ends the stream with the summary.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from heatgait.config import StreamConfig
from heatgait.config.loading import apply_override
from heatgait.errors import UsageError
from heatgait.gallery.gallery import Gallery
from heatgait.gallery.identify import UNKNOWN, decide, pick_threshold
from heatgait.stream.source import Frame, PacedReader
from heatgait.stream.stage1 import FrameStage, Person
from heatgait.stream.window import TrackWindow, refresh


@dataclass
class Event:
    kind: str  # identity | change | end
    time: str  # UTC, when it was decided
    position_s: float  # where in the source (frame index / fps)
    frame: int
    track: int
    name: str  # a gallery name, or "unknown"
    distance: float | None  # to the nearest gallery entry
    threshold: float | None
    frames: int  # frames of the window it was decided on
    latency_s: float  # since the track's first frame was delivered by the source
    embedding: np.ndarray | None = field(default=None, repr=False)  # [D, P], not written

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.kind, "time": self.time, "position_s": round(self.position_s, 3),
                "frame": self.frame, "track": self.track, "name": self.name,
                "distance": self.distance, "threshold": self.threshold, "frames": self.frames,
                "latency_s": round(self.latency_s, 3)}


@dataclass
class StreamSummary:
    source: str
    fps: float
    threshold: float | None
    threshold_source: str
    frames_read: int = 0
    frames_processed: int = 0
    frames_skipped: int = 0  # read but not processed: read = processed + skipped
    tracks: int = 0  # tracks seen
    tracks_named: int = 0  # tracks that got an identity event
    events: int = 0
    reencoded: int = 0  # frames encoded again because their window's normalisation moved
    wall_s: float = 0.0
    interrupted: bool = False
    error: str = ""
    seconds: dict[str, float] = field(default_factory=dict)  # per stage
    notes: list[str] = field(default_factory=list)

    @property
    def processed_fps(self) -> float:
        return self.frames_processed / self.wall_s if self.wall_s else 0.0


@dataclass
class _Live:
    window: TrackWindow
    first_released: float
    new: int = 0  # kept frames since the last identification
    name: str = ""  # current identity ("" before the first)
    label: str = ""
    box: np.ndarray | None = None


def stream_settings(base: StreamConfig, overrides: list[str]) -> StreamConfig:
    """The model's ``stream`` section with ``stream.key=value`` overrides applied."""
    from heatgait.config import Recipe

    recipe = Recipe(stream=StreamConfig(**vars(base)))
    for item in overrides:
        if not item.startswith("stream."):
            raise UsageError(f"--set {item}: only stream.* values can be set here (the model's "
                             "other values are its own), e.g. --set stream.min_frames=20")
        apply_override(recipe, item)
    return recipe.stream


class StreamIdentifier:
    """The loop of one stream; build with :func:`open_stream`, then :meth:`run`."""

    def __init__(self, reader: PacedReader, stage: FrameStage, encoder: Any, gallery: Gallery,
                 settings: StreamConfig, threshold: tuple[float | None, str, list[str]],
                 normalize: bool, storage: str) -> None:
        self.reader, self.stage, self.encoder, self.gallery = reader, stage, encoder, gallery
        self.settings, self.normalize, self.storage = settings, normalize, storage
        self.threshold, source, notes = threshold
        self.summary = StreamSummary(reader.name, reader.fps, self.threshold, source,
                                     notes=list(notes))
        self.live: dict[int, _Live] = {}
        stage.fps = reader.fps

    def _identify(self, due: list[tuple[int, _Live]], frame: Frame, final: bool = False
                  ) -> list[Event]:
        start = time.perf_counter()
        refresh(self.encoder, [live.window for _, live in due])
        embeddings = np.stack([live.window.embedding(self.encoder) for _, live in due])
        matches = self.gallery.search(embeddings, top=1)
        self.stage.seconds["identify"] += time.perf_counter() - start
        events = []
        now = time.monotonic()
        stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        for (track, live), found, emb in zip(due, matches, embeddings):
            name, _ = decide(found, self.threshold)
            kind = "end" if final else "identity" if not live.name else "change"
            live.new = 0
            distance = found[0].distance if found else None
            live.label = f"#{track} {name}" + (f" {distance:.2f}" if distance is not None else "")
            if kind == "change" and name == live.name:
                continue
            if kind == "identity":
                self.summary.tracks_named += 1
            live.name = name
            events.append(Event(kind, stamp, frame.position_s, frame.index, track,
                                name, distance, self.threshold,
                                len(live.window), now - live.first_released, emb))
        return events

    def _end(self, tracks: list[int], frame: Frame) -> list[Event]:
        """Last identity of tracks that ended (from all of their window)."""
        done = [(t, self.live.pop(t)) for t in tracks if t in self.live]
        named = [(t, live) for t, live in done if live.name or
                 len(live.window) >= self.settings.min_frames]
        events = self._identify(named, frame, final=True) if named else []
        self.summary.reencoded += sum(live.window.reencoded for _, live in done)
        return events

    def _step(self, frame: Frame) -> tuple[list[Person], list[Event]]:
        people = self.stage(frame.index, frame.image)
        fresh = []
        for person in people:
            live = self.live.get(person.track)
            if live is None:
                live = self.live[person.track] = _Live(
                    TrackWindow(self.settings.window, self.normalize, self.storage),
                    frame.released)
                self.summary.tracks += 1
            live.box = person.box
            if person.stored is not None:
                live.window.add(person.stored, frame.index)
                live.new += 1
                fresh.append(live.window)
        start = time.perf_counter()
        refresh(self.encoder, fresh, only_new=True)  # each new frame encoded once, in a batch
        self.stage.seconds["encode"] += time.perf_counter() - start
        due = [(t, live) for t, live in self.live.items()
               if len(live.window) >= self.settings.min_frames and live.new and
               (not live.name or live.new >= self.settings.every)]
        events = self._identify(due, frame) if due else []
        events += self._end([t.id for t in self.stage.ended()], frame)
        return people, events

    def run(self, on_event: Callable[[Event], None] | None = None,
            on_frame: Callable[[Frame, list[Person]], None] | None = None,
            annotator: Any = None) -> StreamSummary:
        """Processes the source until it ends or Ctrl-C; returns the summary."""
        started = time.monotonic()
        last: Frame | None = None

        def emit(events: list[Event]) -> None:
            self.summary.events += len(events)
            for event in events:
                if on_event is not None:
                    on_event(event)

        try:
            for frame in self.reader:
                people, events = self._step(frame)
                last = frame
                self.summary.frames_processed += 1
                emit(events)
                if annotator is not None:
                    annotator.write(frame.index, self.annotate(frame, people))
                if on_frame is not None:
                    on_frame(frame, people)
        except KeyboardInterrupt:
            self.summary.interrupted = True
        finally:
            self.reader.close()
        try:
            self._finish(last, emit)
        finally:
            self.gallery.close()
        s = self.summary
        # skipped: replaced in the mailbox, or (Ctrl-C) taken but not finished
        s.frames_read, s.frames_skipped = self.reader.read, self.reader.read - s.frames_processed
        s.error = self.reader.error
        s.wall_s = time.monotonic() - started
        s.seconds = {k: round(v, 3) for k, v in self.stage.seconds.items()}
        return s

    def _finish(self, last: Frame | None, emit: Callable[[list[Event]], None]) -> None:
        if last is not None:  # the source ended (or Ctrl-C): every live track ends here
            try:
                emit(self._end(list(self.live), last))
            except KeyboardInterrupt:
                self.summary.interrupted = True

    def annotate(self, frame: Frame, people: list[Person]) -> np.ndarray:
        from heatgait.stream.annotate import NAMED, REJECTED, WAITING, draw

        labels, colors = [], []
        for person in people:
            live = self.live.get(person.track)
            label = live.label if live is not None and live.label else f"#{person.track}"
            labels.append(label)
            colors.append(WAITING if live is None or not live.name else
                          REJECTED if live.name == UNKNOWN else NAMED)
        return draw(frame.image, [p.box for p in people], labels, colors)


def share_cpu_threads(device: str, runtime_threads: int = 2) -> None:
    """On the CPU, leave the LiteRT models their threads (2 each call, one model at a time):
    torch's and LiteRT's thread pools both spin while they wait, and when they add up to more
    threads than cores each frame's encoder step took 20 ms alone but 1.7 s right after a
    detector call (2 cores, toy network; measured for issue 22). Only ever lowers torch's."""
    import os

    import torch

    if device == "cpu":
        free = max(1, (os.cpu_count() or 1) - runtime_threads)
        torch.set_num_threads(min(torch.get_num_threads(), free))


def gallery_frame_export(gallery: Gallery, checkpoint: str | Path | None,
                         model_file: str | Path | None, runtime: str, name: str):
    """The gallery's per-frame export in ``runtime``: ``model_file``, CHECKPOINT's, or the one
    beside the checkpoint the gallery recorded; checked against the gallery's fingerprint."""
    from heatgait.extract.runtimes.onnxfile import check_runtime
    from heatgait.gallery.encoder import find_gallery_export
    from heatgait.stream.encoder import load_exported_frame_encoder
    from heatgait.training.export import per_frame_paths

    check_runtime(runtime)
    fingerprint = gallery.fingerprint or {}
    path = find_gallery_export(fingerprint, checkpoint, model_file, name,
                               present=lambda p: per_frame_paths(p)["frames"].is_file(),
                               write="heatgait export RUN --per-frame --out FILE.onnx")
    return load_exported_frame_encoder(path, runtime, expect=fingerprint,
                                       against=f"gallery {name}")


def open_stream(source: str, gallery_dir: str | Path, *, threshold: float | None = None,
                checkpoint: str | Path | None = None, overrides: list[str] | None = None,
                pose: str = "blazepose", detector: str = "blazepose",
                pose_weights: str | None = None, device: str = "auto",
                max_frames: int | None = None, pace: bool = True, runtime: str = "torch",
                model_file: str | Path | None = None) -> StreamIdentifier:
    """Loads the gallery's model (``runtime`` onnx or openvino: its per-frame export) and
    stage 1, opens ``source`` (the reader starts at once)."""
    from heatgait.config import ExtractConfig
    from heatgait.extract.detection.detectors import build_detector
    from heatgait.extract.pose.backends import build_pose
    from heatgait.gallery.encoder import load_gallery_encoder
    from heatgait.stream.encoder import FrameEncoder

    gallery = Gallery(gallery_dir)
    if gallery.count() == 0:
        gallery.close()
        raise UsageError(f"gallery {gallery_dir} is empty (0 entries); enrol walkers with "
                         f"`heatgait gallery add {gallery_dir} CHECKPOINT VIDEOS_OR_SHARDS`")
    try:
        if runtime == "torch":
            encoder = FrameEncoder(load_gallery_encoder(gallery.fingerprint or {}, checkpoint,
                                                        device, str(gallery_dir)))
        else:
            encoder = gallery_frame_export(gallery, checkpoint, model_file, runtime,
                                           str(gallery_dir))
    except BaseException:
        gallery.close()
        raise
    settings = stream_settings(encoder.recipe.stream if encoder.recipe else StreamConfig(),
                               overrides or [])
    cfg = ExtractConfig(pose=pose, detector=detector)
    built_pose = build_pose(pose, pose_weights, str(encoder.device))
    built_detector = build_detector(detector, None, str(encoder.device))
    stage = FrameStage(built_detector, built_pose, cfg)
    from heatgait.config.stage1 import DETECTOR_MODELS, POSE_MODELS

    if any(name in table and table[name].stack == "litert"
           for name, table in ((pose, POSE_MODELS), (detector, DETECTOR_MODELS))):
        share_cpu_threads(encoder.device.type)
    limit = pick_threshold(gallery, threshold)
    cap = encoder.max_frames
    if cap and (settings.window == 0 or settings.window > cap):
        # offline, a longer sequence is cut to `cap` evenly spaced frames; a live window keeps
        # the latest `cap` (the same frames when the window is full)
        limit[2].append(f"stream.window {settings.window or 'all'} is above the model's "
                        f"data.max_test_frames {cap}: windows hold the latest {cap} frames")
        settings.window = max(cap, settings.min_frames)
    stage.warm_up()
    encoder.encode(np.zeros((1, 17, 64, 48), np.uint8), np.array([[1.0, 0.0, 1.0, 0.0]],
                                                                   np.float32))
    reader = PacedReader(source, pace=pace, max_frames=max_frames)  # last: it starts reading
    return StreamIdentifier(reader, stage, encoder, gallery, settings, limit,
                            encoder.normalize, cfg.storage)
