"""One extraction job: inputs + recipe + backends -> shards, manifest and failure report.

The single entry point behind ``heatgait extract`` and the demo: it resolves the recipe's
``extract`` section against explicit choices, discovers the inputs, builds the detector and
pose backends, runs this rank's share and, on rank 0, writes the manifest for all ranks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from heatgait.config import ExtractConfig, Recipe, save_recipe
from heatgait.config.schema import check_choice
from heatgait.config.stage1 import DETECTOR_MODELS, POSE_MODELS
from heatgait.devices import resolve_device
from heatgait.env import CUDA_OPS_FIX, mmcv_cuda_compiled
from heatgait.errors import HeatgaitError
from heatgait.extract.detection.detectors import build_detector, default_score_threshold
from heatgait.extract.job.inputs import discover, layout_counts
from heatgait.extract.job.runner import RunTotals, gather_reports, run_rank, write_manifest
from heatgait.extract.pose.accel import refuse_fixed_precision
from heatgait.extract.pose.backends import build_pose
from heatgait.launch import launch_env

DATASET_NAMES = {"casia-b": "CASIA-B", "ccpg": "CCPG", "sustech1k": "SUSTech1K",
                 "generic": "generic"}


@dataclass
class ExtractSummary(RunTotals):
    """What a job did, over all ranks: the sums of :class:`RunTotals` (sequences written,
    skipped, frames kept and dropped, problems, failed) and where and what it ran on."""

    out_dir: Path = field(kw_only=True)
    layout: str = field(kw_only=True)
    counts: dict[str, int] = field(kw_only=True)  # sequences, subjects, types, views found
    rank: int = field(kw_only=True)


def choose_detector(detector: str | None, pose: str | None, recipe_detector: str) -> str:
    """The detector of a job: an explicit ``detector`` wins; else an explicitly chosen pose
    model that comes with its own detector brings it (``--pose blazepose`` -> the BlazePose
    person detector, so the offline pair needs no download); else the recipe's."""
    if detector is not None:
        return detector
    own = POSE_MODELS[pose].detector if pose in POSE_MODELS else None
    return own or recipe_detector


def require_cuda_ops(device: str, pose: str, detector: str) -> None:
    """Refuse, before any work, a CUDA run of the OpenMMLab models with CPU-only mmcv ops."""
    if not device.startswith("cuda"):
        return
    mm_pose = pose.endswith(".py") or (pose in POSE_MODELS and POSE_MODELS[pose].stack == "mmpose")
    mm_det = detector.endswith(".py") or (detector in DETECTOR_MODELS
                                          and DETECTOR_MODELS[detector].stack == "mmdet")
    if (mm_pose or mm_det) and not mmcv_cuda_compiled():
        raise HeatgaitError(f"--device {device}: mmcv's compiled ops here were built without "
                            f"CUDA, so {pose if mm_pose else detector} cannot run on the GPU; "
                            f"{CUDA_OPS_FIX}")


def extract_videos(inputs: Sequence[str | Path], out_dir: str | Path, *,
                   recipe: Recipe | None = None, dataset: str | None = None,
                   layout: str | None = None, pose: str | None = None,
                   detector: str | None = None, pose_weights: str | None = None,
                   det_weights: str | None = None, device: str = "auto",
                   batch_size: int | None = None, max_frames: int | None = None,
                   precision: str | None = None, runtime: str | None = None,
                   multi_person: bool | None = None, random_init: bool = False,
                   on_found: Callable[[str, dict[str, int]], None] | None = None,
                   progress: bool = False) -> ExtractSummary:
    """Stage 1 over ``inputs`` into ``out_dir``; explicit arguments win over the recipe's, and
    ``pose="blazepose"`` without a ``detector`` brings the BlazePose detector
    (:func:`choose_detector`).

    ``on_found(layout, counts)`` is called before any work starts, so callers can show what
    was found. Bad inputs never raise: they are listed in the summary's ``problems``.
    """
    recipe = recipe or Recipe(name="extract")
    cfg = recipe.extract
    cfg.detector = choose_detector(detector, pose, cfg.detector)
    for flag, value in (("--det", detector), ("--layout", layout), ("--pose", pose),
                        ("--precision", precision), ("--runtime", runtime)):
        if value is not None:  # checked against the recipe's closed choices
            check_choice(ExtractConfig, "detector" if flag == "--det" else flag[2:], value, flag)
    for name, value in (("layout", layout), ("pose", pose), ("batch_size", batch_size),
                        ("max_frames", max_frames), ("precision", precision),
                        ("runtime", runtime)):
        if value is not None:
            setattr(cfg, name, value)
    refuse_fixed_precision(cfg.precision, cfg.pose)  # before any input is looked at
    if cfg.det_score_thr is None:
        cfg.det_score_thr = default_score_threshold(cfg.detector)
    sources, used_layout = discover([Path(p) for p in inputs], cfg.layout)
    cfg.layout = used_layout
    counts = layout_counts(sources)
    launch = launch_env()
    rank, world = launch.rank, launch.world_size
    if on_found is not None and rank == 0:
        on_found(used_layout, counts)
    dataset = dataset or (recipe.data.dataset if recipe.source else DATASET_NAMES[used_layout])
    multi = used_layout == "generic" if multi_person is None else multi_person
    dev = resolve_device(device)
    require_cuda_ops(dev, cfg.pose, cfg.detector)
    pose_backend = build_pose(cfg.pose, pose_weights, dev, random_init, cfg.precision,
                              cfg.runtime)
    person_detector = build_detector(cfg.detector, det_weights, dev, cfg.det_score_thr,
                                     cfg.det_nms_thr, random_init, cfg.runtime)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if rank == 0:
        save_recipe(recipe, out / "recipe.yaml")

    from tqdm import tqdm

    bar = tqdm(unit="frame", desc=f"extract (rank {rank})", disable=not progress)
    report = run_rank(sources, out, person_detector, pose_backend, cfg, dataset=dataset,
                      multi_person=multi, rank=rank, world_size=world, on_frames=bar.update,
                      on_source=lambda s: bar.set_postfix_str(s.key, refresh=False))
    bar.close()
    reports = gather_reports(report)
    if rank == 0:
        info = {"layout": used_layout, "dataset": dataset, "pose_model": pose_backend.name,
                "pose_precision": getattr(pose_backend, "precision", "fp32"),
                "pose_runtime": getattr(pose_backend, "runtime", "torch"),
                "detector": person_detector.name, "multi_person": multi,
                "detector_runtime": getattr(person_detector, "runtime", "torch"),
                "extract": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__}}
        write_manifest(out, reports, info)
    return ExtractSummary(reports, out_dir=out, layout=used_layout, counts=counts, rank=rank)
