"""``heatgait demo``: every stage on this machine, offline, in about ten minutes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import QuietOption, show_progress


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for everything the demo "
                                      "writes (rerun to resume).")] = Path("demo-output"),
    iterations: Annotated[int, typer.Option(help="Training iterations.")] = 120,
    subjects: Annotated[int, typer.Option(help="Synthetic subjects (half train, half test).")] = 24,
    video_frames: Annotated[int, typer.Option(help="Frames of vtest.avi for stage 1.")] = 120,
    device: Annotated[str, typer.Option(help="cpu, cuda or auto.")] = "auto",
    quiet: QuietOption = False,
) -> None:
    """Run heatgait end to end: real stage 1 on vtest.avi with the offline pose backend, a
    synthetic gait data set, a short GaitHeat training, evaluation under the CASIA-B-style
    protocol (table printed), and plots. Ends by naming the folder that holds everything.
    """
    from heatgait.demo import DemoPlan
    from heatgait.demo.steps import (
        alignment_figure,
        evaluate_model,
        stage1_real_video,
        synthetic_data,
        train_model,
    )

    start = time.perf_counter()
    plan = DemoPlan(out_dir=out, iterations=iterations, subjects=subjects,
                    video_frames=video_frames, device=device, progress=show_progress(quiet))
    out.mkdir(parents=True, exist_ok=True)
    say = typer.echo
    say("[1/5] stage 1 on real footage (offline BlazePose detector + pose)")
    stage1_real_video(plan, say)
    say("[2/5] synthetic gait data set")
    data = synthetic_data(plan, say)
    say("[3/5] training GaitHeat (at 1/8 width, so that it trains in minutes on a CPU)")
    run_dir = train_model(plan, data, say)
    say("[4/5] evaluation, CASIA-B-style protocol (rank-1 %, identical views excluded)")
    say(evaluate_model(plan, run_dir, data, say))
    say("[5/5] heatmaps before and after pose-guided alignment")
    say(alignment_figure(plan, data))
    say("")
    width = max(len(name) for name in plan.results)
    for name, path in plan.results.items():
        say(f"  {name:<{width}}  {path}")
    say(f"done in {time.perf_counter() - start:.0f} s; everything is in {out.resolve()}")
