"""Stage 1 over many inputs: resume, per-rank partition, background shard writing, reports.

- Resume: a source whose key (or one of its ``/track-N`` keys) is in a finished shard of the
  output folder is skipped; interrupted shards (``*.partial``) are discarded and redone.
- Distributed: under torchrun (``heatgait.launch``) rank r takes sources r, r+W, ... and
  writes ``rank{r}-shard-NNNNN.h5``; all tracks of one source land in one shard, so a source is
  either fully written or not at all. After a barrier rank 0 writes ``manifest.json`` and
  ``failures.json`` covering every rank.
- Failures: an undecodable input is recorded as ``failed``; one where nobody was found (or
  every frame fell below the score threshold) as ``empty``; both with their reason.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2

import heatgait
from heatgait import fileio
from heatgait.config import ExtractConfig
from heatgait.data.records import SequenceRecord
from heatgait.data.schema import SCHEMA_VERSION
from heatgait.data.shards import ShardSeries, existing_keys
from heatgait.data.shardset import ShardSet
from heatgait.extract.detection.detectors import PersonDetector
from heatgait.extract.job.inputs import SequenceSource
from heatgait.extract.job.sequence import extract_sequence
from heatgait.extract.job.video import VideoError
from heatgait.extract.pose.backends import PoseBackend

MANIFEST = "manifest.json"
FAILURES = "failures.json"


@dataclass
class RankReport:
    """What one rank did in this run."""

    rank: int = 0
    world_size: int = 1
    sources: int = 0  # given to this rank
    skipped: int = 0  # already in finished shards (resume)
    sequences_written: int = 0
    frames_kept: int = 0
    frames_dropped: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)  # source, key, status, reason
    shards: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class RunTotals:
    """What all ranks of one run did together: the sums the summary and the manifest report.

    ``RunTotals(reports)`` adds them up once; ``heatgait.extract.job.extract.ExtractSummary`` is one.
    """

    reports: list[RankReport]
    sequences_written: int = field(init=False)
    skipped: int = field(init=False)  # already in finished shards (resume)
    frames_kept: int = field(init=False)
    frames_dropped: int = field(init=False)
    problems: list[dict[str, str]] = field(init=False)  # every rank's, in rank order

    def __post_init__(self) -> None:
        self.sequences_written = sum(r.sequences_written for r in self.reports)
        self.skipped = sum(r.skipped for r in self.reports)
        self.frames_kept = sum(r.frames_kept for r in self.reports)
        self.frames_dropped = sum(r.frames_dropped for r in self.reports)
        self.problems = [p for r in self.reports for p in r.problems]

    @property
    def failed(self) -> list[dict[str, str]]:
        """Inputs that could not be decoded."""
        return [p for p in self.problems if p["status"] == "failed"]

    @property
    def empty(self) -> list[dict[str, str]]:
        """Inputs where nobody was found, or every frame fell below the score threshold."""
        return [p for p in self.problems if p["status"] == "empty"]


def partition(sources: Sequence[SequenceSource], rank: int, world_size: int
              ) -> list[SequenceSource]:
    """This rank's disjoint share of the sources (sorted by key, round robin)."""
    return sorted(sources, key=lambda s: s.key)[rank::world_size]


def is_done(source: SequenceSource, keys: set[str]) -> bool:
    return source.key in keys or any(k.startswith(source.key + "/track-") for k in keys)


class _ShardSink:
    """Writes records in a background thread into rotating ``rank{r}-shard-NNNNN.h5`` files
    (the data layer's ShardSeries: one place writes shards)."""

    def __init__(self, out_dir: Path, rank: int, cfg: ExtractConfig, attrs: dict[str, Any]):
        self.series = ShardSeries(out_dir, f"rank{rank}-shard", storage=cfg.storage,
                                  sequences_per_shard=cfg.sequences_per_shard, attrs=attrs,
                                  discard_stale=True)
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._loop, name="shard-writer", daemon=True)
        self.thread.start()

    def put(self, records: list[SequenceRecord]) -> None:
        """Queues the records of one source (written to the same shard)."""
        if self.error is not None:
            raise self.error
        self.queue.put(records)

    def close(self) -> list[str]:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        return [path.name for path in self.series.written]

    def _loop(self) -> None:
        try:
            while (records := self.queue.get()) is not None:
                self.series.write(records)
            self.series.close()
        except BaseException as exc:
            self.error = exc
            self.series.abort()
            while self.queue.get() is not None:  # drain so the producer never blocks
                pass


def run_rank(sources: Sequence[SequenceSource], out_dir: str | Path, detector: PersonDetector,
             pose: PoseBackend, cfg: ExtractConfig, *, dataset: str = "",
             multi_person: bool = False, rank: int = 0, world_size: int = 1,
             attrs: dict[str, Any] | None = None,
             on_frames: Callable[[int], None] | None = None,
             on_source: Callable[[SequenceSource], None] | None = None) -> RankReport:
    """Extracts this rank's share of ``sources`` into ``out_dir``; never raises for bad inputs."""
    start = time.monotonic()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    mine = partition(sources, rank, world_size)
    done = existing_keys(out)
    report = RankReport(rank=rank, world_size=world_size, sources=len(mine))
    todo = [s for s in mine if not is_done(s, done)]
    report.skipped = len(mine) - len(todo)
    shard_attrs = {"pose_model": pose.name, "detector": detector.name, "dataset": dataset,
                   "padding": cfg.padding, "min_frame_score": cfg.min_frame_score,
                   "det_score_thr": cfg.det_score_thr, **(attrs or {})}
    sink = _ShardSink(out, rank, cfg, shard_attrs)
    try:
        for source in todo:
            if on_source is not None:
                on_source(source)
            try:
                result = extract_sequence(source, detector, pose, cfg, multi_person=multi_person,
                                          dataset=dataset, on_frames=on_frames)
            except (VideoError, cv2.error) as exc:
                report.problems.append({"source": str(source.path), "key": source.key,
                                        "status": "failed", "reason": str(exc).splitlines()[0]})
                continue
            report.frames_kept += result.frames_kept
            report.frames_dropped += result.frames_dropped
            if result.records:
                sink.put(result.records)
                report.sequences_written += len(result.records)
            else:
                report.problems.append({"source": str(source.path), "key": source.key,
                                        "status": "empty", "reason": result.reason})
    finally:
        report.shards = sink.close()
    report.seconds = time.monotonic() - start
    fileio.write_text(out / f"rank{rank}-report.json", json.dumps(asdict(report), indent=1))
    return report


def gather_reports(report: RankReport) -> list[RankReport]:
    """Every rank's report on every rank (a barrier); just this one without a launcher."""
    if report.world_size <= 1:
        return [report]
    from datetime import timedelta

    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("gloo", timeout=timedelta(days=7))
    reports: list[Any] = [None] * report.world_size
    dist.all_gather_object(reports, report)
    return reports


def write_manifest(out_dir: str | Path, reports: Sequence[RankReport],
                   info: dict[str, Any]) -> Path:
    """``manifest.json`` (all ranks, all finished shards) and ``failures.json`` in out_dir."""
    out = Path(out_dir)
    shards = ShardSet(out, verify=False)
    totals = RunTotals(list(reports))
    manifest = {
        "schema_version": SCHEMA_VERSION, "heatgait_version": heatgait.__version__,
        **info,
        "world_size": reports[0].world_size if reports else 1,
        "shards": [p.name for p in shards.files],
        "sequences": len(shards),
        "frames": int(sum(s.num_frames for s in shards.sequences)),
        "this_run": {"sequences_written": totals.sequences_written, "skipped": totals.skipped,
                     "frames_kept": totals.frames_kept, "frames_dropped": totals.frames_dropped,
                     "failed": len(totals.failed), "empty": len(totals.empty)},
    }
    fileio.write_text(out / FAILURES, json.dumps(totals.problems, indent=1))
    return fileio.write_text(out / MANIFEST, json.dumps(manifest, indent=1))
