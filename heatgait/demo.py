"""The end-to-end demo: every stage of heatgait on this machine, in about ten minutes.

1. Stage 1 on real footage: ``vtest.avi`` (Debian's opencv-doc) through the offline BlazePose
   detector and pose model into shards, with a picture of a few extracted sequences.
2. A synthetic CASIA-B-style data set (``heatgait.synth``), since no real gait data set ships.
3. A short GaitHeat training on it (at 1/8 of the paper's width: the full network needs a
   GPU), with its loss curve.
4. Evaluation under the CASIA-B-style protocol: the table, a JSON and a per-view PNG.
5. Heatmaps before and after pose-guided alignment.

Each step is a function of :class:`DemoPlan` so that tests can run them one by one; the CLI
prints what they return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

Report = Callable[[str], None]


@dataclass
class DemoPlan:
    """Sizes chosen so that the whole demo fits in about ten minutes on two CPU cores."""

    out_dir: Path
    video: Path | None = None  # None: look for vtest.avi
    video_frames: int = 120  # frames of the real video to run stage 1 on
    subjects: int = 24  # synthetic subjects (half train, half test)
    views: tuple[str, ...] = ("000", "054", "090", "126", "180")
    frames: tuple[int, int] = (12, 18)
    # training: GaitHeat at 1/8 width (about 1.1 s per 4 x 4 x 8 batch on two CPU cores)
    iterations: int = 120
    model: str = "gaitheat"
    channels: tuple[int, ...] = (8, 16, 32, 64)
    embed_dim: int = 32
    parts: int = 8
    lr: float = 0.1
    batch_p: int = 4
    batch_k: int = 4
    train_frames: int = 8
    seed: int = 0
    device: str = "auto"
    progress: bool = True
    results: dict[str, Path] = field(default_factory=dict)


def stage1_real_video(plan: DemoPlan, say: Report) -> Path | None:
    """Real detection + pose on vtest.avi with the offline backends; None when it is absent."""
    from heatgait.extract.job import extract_videos
    from heatgait.extract.sample_video import vtest_path

    video = plan.video or vtest_path()
    if video is None or not Path(video).is_file():
        say("stage 1: vtest.avi not found; install it with 'sudo apt-get install opencv-doc' "
            "(or set HEATGAIT_VTEST) to see real extraction. Going on with synthetic data.")
        return None
    out = plan.out_dir / "stage1-vtest"
    summary = extract_videos([Path(video)], out, pose="blazepose", detector="blazepose",
                             layout="generic", max_frames=plan.video_frames,
                             progress=plan.progress)
    say(f"stage 1: {summary.sequences_written} walkers tracked in {Path(video).name} "
        f"({summary.frames_kept} frames kept, {summary.frames_dropped} dropped) -> {out}")
    strip = show_sequences(out, plan.out_dir / "stage1-sequences.png")
    if strip is not None:
        plan.results["extracted sequences"] = strip
    plan.results["stage-1 shards"] = out
    return out


def show_sequences(shards: Path, png: Path, count: int = 3, frames: int = 8) -> Path | None:
    """A picture of the longest extracted sequences: max over joints, one row each."""
    from heatgait.data.shardset import ShardSet
    from heatgait.extract.render import colorize, strip

    found = ShardSet(shards)
    if len(found) == 0:
        return None
    longest = sorted(range(len(found)), key=lambda i: -found.sequences[i].num_frames)[:count]
    rows = []
    for index in longest:
        heatmaps = found.read(index)  # [t, 17, 64, 48]
        picks = np.linspace(0, len(heatmaps) - 1, frames).round().astype(int)
        rows.append(strip([colorize(heatmaps[i], (96, 128)) for i in picks], columns=frames))
    _save_rgb(np.concatenate(rows, axis=0), png)
    return png


def synthetic_data(plan: DemoPlan, say: Report) -> Path:
    from heatgait.synth.generate import generate_dataset

    out = plan.out_dir / "synthetic"
    summary = generate_dataset(out, subjects=plan.subjects, seed=plan.seed, views=plan.views,
                               frames=plan.frames, progress=plan.progress)
    say(f"synthetic data: {summary.sequences + summary.skipped} sequences of {plan.subjects} "
        f"subjects ({summary.train_subjects} train / {summary.test_subjects} test) -> {out}")
    plan.results["synthetic shards"] = out
    return out


def train_model(plan: DemoPlan, data: Path, say: Report) -> Path:
    from heatgait.config import load_recipe
    from heatgait.training.run import train

    recipe = load_recipe(str(data / "recipe.yaml"), [
        f"model.name={plan.model}", f"model.channels={list(plan.channels)}",
        f"model.embed_dim={plan.embed_dim}", f"model.parts={plan.parts}",
        f"train.iterations={plan.iterations}",
        f"train.milestones=[{plan.iterations * 3 // 4}]", f"train.lr={plan.lr}",
        f"train.checkpoint_every={plan.iterations}",
        f"data.batch_p={min(plan.batch_p, plan.subjects // 2)}",  # P <= training subjects
        f"data.batch_k={plan.batch_k}", f"data.frames_per_sequence={plan.train_frames}",
        "data.num_workers=2", "train.log_every=10", f"train.seed={plan.seed}"])
    run_dir = plan.out_dir / "run"
    resume = (run_dir / "checkpoints").is_dir() and any((run_dir / "checkpoints").glob("*.pt"))
    summary = train(recipe, [data], run_dir, resume=resume, device=plan.device,
                    progress=plan.progress)
    say(f"training: {summary.iterations} iterations of {plan.model} in {summary.seconds:.0f} s "
        f"({summary.sequences_per_second:.1f} sequences/s), final loss {summary.final_loss:.3f}")
    plan.results["run"] = run_dir
    if summary.curve:
        plan.results["loss curve"] = summary.curve
    return run_dir


def evaluate_model(plan: DemoPlan, run_dir: Path, data: Path, say: Report) -> str:
    from heatgait.evaluation.report import format_table, save_heat_table, write_json
    from heatgait.evaluation.run import evaluate_checkpoint

    evaluation = evaluate_checkpoint(run_dir, [data], pipeline=str(data / "recipe.yaml"),
                                     device=plan.device, progress=plan.progress)
    json_path = plan.out_dir / "results.json"
    write_json(evaluation.result, json_path, {"checkpoint": str(run_dir)})
    png = save_heat_table(evaluation.result, plan.out_dir / "rank1-per-view.png")
    plan.results["results (JSON)"] = json_path
    plan.results["per-view rank-1"] = png
    return format_table(evaluation.result)


def alignment_figure(plan: DemoPlan, data: Path) -> Path:
    """Frames of the most tilted synthetic test sequences, before and after PGHA."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    from heatgait.align import align_heatmaps, spine, spine_angle
    from heatgait.data.shardset import ShardSet

    found = ShardSet(data)
    frames = torch.from_numpy(np.stack([found.read(i, np.array([0]))[0]
                                        for i in range(min(len(found), 400))]))
    neck, hip, valid = spine(frames, 1e-6)
    tilt = torch.rad2deg(spine_angle(neck, hip)).abs()  # degrees
    tilt = tilt * (valid & (tilt <= 60))  # beyond 60 deg PGHA leaves a frame as it is
    picks = torch.argsort(tilt, descending=True)[:4]
    before = frames[picks]
    after = align_heatmaps(before, gamma=5.0)
    fig, axes = plt.subplots(2, len(picks), figsize=(2.2 * len(picks), 5.2))
    for col, index in enumerate(picks.tolist()):
        for row, (name, maps) in enumerate((("before", before), ("after PGHA", after))):
            axes[row, col].imshow(maps[col].amax(0).numpy(), cmap="magma", vmin=0, vmax=1)
            axes[row, col].set_title(f"{name}\n{float(tilt[index]):.0f} deg" if row == 0
                                     else name, fontsize=8)
            axes[row, col].axis("off")
    fig.tight_layout()
    png = plan.out_dir / "alignment-before-after.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    plan.results["alignment"] = png
    return png


def _save_rgb(image: np.ndarray, path: Path) -> None:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
