"""The demo's stages, one function each: they do the work, record their outputs in the plan
and report one line through ``say``."""

from __future__ import annotations

from pathlib import Path

from heatgait.demo.figures import alignment_figure, show_sequences
from heatgait.demo.plan import DemoPlan, Report

__all__ = ["alignment_figure", "evaluate_model", "stage1_real_video", "synthetic_data",
           "train_model"]


def stage1_real_video(plan: DemoPlan, say: Report) -> Path | None:
    """Real detection + pose on vtest.avi with the offline backends; None when it is absent."""
    from heatgait.extract.job.extract import extract_videos
    from heatgait.extract.job.sample_video import vtest_path

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

    evaluation = evaluate_checkpoint(run_dir, [data], protocol=str(data / "recipe.yaml"),
                                     device=plan.device, progress=plan.progress)
    json_path = plan.out_dir / "results.json"
    write_json(evaluation.result, json_path, evaluation.provenance())
    png = save_heat_table(evaluation.result, plan.out_dir / "rank1-per-view.png")
    plan.results["results (JSON)"] = json_path
    plan.results["per-view rank-1"] = png
    return format_table(evaluation.result)
