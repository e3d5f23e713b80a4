"""`heatgait eval`: score a trained model (or saved embeddings) with the field's protocols."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import (
    ModelFileOption,
    QuietOption,
    RuntimeOption,
    SetOption,
    say,
    show_progress,
    stdout_file,
)
from heatgait.errors import UsageError


def evaluate(
    run: Annotated[Path | None, typer.Argument(
        metavar="RUN_OR_CHECKPOINT", show_default=False,
        help="A run folder (uses checkpoints/latest.pt) or a .pt checkpoint.")] = None,
    data: Annotated[list[Path] | None, typer.Option(
        "--data", "-d", help="Test shard files or folders (repeatable).",
        rich_help_panel="Input")] = None,
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", "-c", help="Same as RUN_OR_CHECKPOINT.", rich_help_panel="Input")] = None,
    embeddings: Annotated[Path | None, typer.Option(
        "--embeddings", help="Score a saved .npz (embeddings, labels, types, views) instead of "
        "running a checkpoint; needs --protocol.", rich_help_panel="Input")] = None,
    protocol: Annotated[str | None, typer.Option(
        "--protocol", "--pipeline", "-p", help="Protocol recipe: casia-b, ccpg, sustech1k, "
        "oumvlp, gait3d, grew (or casia-b-pose) or a YAML path (default: the checkpoint's own "
        "recipe).", rich_help_panel="Protocol")] = None,
    cross: Annotated[str | None, typer.Option(
        "--cross", help="Cross-domain SOURCE->TARGET with codes CA (casia-b), CC (ccpg), SU "
        "(sustech1k), OU (oumvlp), G3 (gait3d), GR (grew), e.g. 'CA->CC' (quote it: an "
        "unquoted > is a shell redirection) or CA:CC.", rich_help_panel="Protocol")] = None,
    overrides: SetOption = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Write the results as JSON here (and the per-view heat table as a PNG "
        "beside it).", rich_help_panel="Output")] = None,
    png: Annotated[Path | None, typer.Option(
        "--png", help="Write the per-view rank-1 heat table here.",
        rich_help_panel="Output")] = None,
    submission: Annotated[Path | None, typer.Option(
        "--submission", help="Also write GREW's official submission CSV here (videoId, "
        "rank1..rank20, rank1_distractor; one row per probe of type 03 against gallery types "
        "01 and 02); needs the grew protocol.", rich_help_panel="Output")] = None,
    save_embeddings: Annotated[Path | None, typer.Option(
        "--save-embeddings", help="Also save the test embeddings (.npz) for re-scoring.",
        rich_help_panel="Output")] = None,
    device: Annotated[str, typer.Option(
        "--device", help="auto | cpu | cuda (auto: CUDA when present).",
        rich_help_panel="Run")] = "auto",
    batch_size: Annotated[int | None, typer.Option(
        "--batch-size", min=1, help="Sequences per forward pass (default data.test_batch_size).",
        rich_help_panel="Run")] = None,
    runtime: RuntimeOption = "torch",
    model_file: ModelFileOption = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=0, help="DataLoader workers (default data.num_workers).",
        rich_help_panel="Run")] = None,
    quiet: QuietOption = False,
) -> None:
    """Print the paper's results table for a checkpoint on test shards, or for saved embeddings.

    Protocols are the recipe's eval section: CASIA-B (NM/BG/CL rank-1, cross-view, identical
    views excluded), CCPG (CL/UP/DN/BG rank-1 and mAP, re-id style), SUSTech1K (eight
    conditions + Overall, rank-1 and rank-5), OU-MVLP (oumvlp: rank-1 over 14 views, identical
    views excluded), Gait3D (gait3d: the 1,000 listed probes, rank-1/5/10, mAP, mINP), GREW
    (grew: the local protocol 02 vs 01, rank-1/5/10/20, not comparable to the leaderboard;
    --submission writes the file GREW's server scores). Cells are rounded as in the field's
    reference evaluator, so the numbers compare with published tables.

    Examples:

      heatgait eval runs/casia-b --data shards/casia-b --json results/casia-b.json

      heatgait eval runs/ccpg --data shards/casia-b --cross 'CC->CA'

      heatgait eval --embeddings emb.npz --protocol casia-b

      heatgait eval runs/grew --data shards/grew -p grew --submission grew.csv
    """
    from heatgait.evaluation.cross import unquoted_arrow
    from heatgait.evaluation.embedfile import save_embeddings as write_embeddings
    from heatgait.evaluation.report import format_table, save_heat_table, write_json
    from heatgait.evaluation.run import eval_recipe, evaluate_checkpoint, evaluate_file
    from heatgait.evaluation.submission import write_submission

    if cross is not None:
        redirected = stdout_file()
        problem = unquoted_arrow(cross, redirected.name if redirected else None)
        if problem:
            raise UsageError(problem)
    if submission is not None and protocol and \
            not eval_recipe(None, protocol, None, overrides or [])[0].eval.submission_probe:
        raise UsageError(f"--submission: protocol {protocol} has no submission file; it is "
                         "GREW's (-p grew)")  # said before any embedding is computed
    if run is not None and checkpoint is not None and run != checkpoint:
        raise UsageError(f"two checkpoints given ({run} and --checkpoint {checkpoint}); give one")
    checkpoint = run or checkpoint
    if embeddings is not None:
        if checkpoint is not None or data or cross:
            raise UsageError("--embeddings scores saved features: drop RUN_OR_CHECKPOINT, "
                             "--data and --cross")
        evaluation = evaluate_file(embeddings, protocol, overrides or [])
    else:
        if checkpoint is None or not data:
            raise UsageError("give RUN_OR_CHECKPOINT (or --checkpoint) and --data SHARDS, e.g. "
                             "heatgait eval "
                             "runs/casia-b --data shards/casia-b (or --embeddings FILE.npz "
                             "with --protocol)")
        evaluation = evaluate_checkpoint(checkpoint, data, protocol=protocol, cross=cross,
                                         overrides=overrides or [], device=device,
                                         batch_size=batch_size, num_workers=workers,
                                         progress=show_progress(quiet), runtime=runtime,
                                         model_file=model_file)
    if submission is not None:
        path, rows = write_submission(submission, *evaluation.embeddings, evaluation.recipe.eval)
        say(f"submission: {path} ({rows} probes)", quiet)
    title = f"{evaluation.source_code}->{evaluation.recipe.data.code}: " if cross else ""
    typer.echo(title + format_table(evaluation.result))
    provenance = {**evaluation.provenance(), "embeddings": str(embeddings or ""),
                  "cross": cross or ""}
    if json_out is not None:
        say(f"results: {write_json(evaluation.result, json_out, provenance)}", quiet)
        png = png or json_out.with_suffix(".png")
    elif png is None and checkpoint is not None and checkpoint.is_dir():
        png = checkpoint / f"eval-{evaluation.recipe.name}.png"
    if png is not None:
        say(f"heat table: {save_heat_table(evaluation.result, png)}", quiet)
    if save_embeddings is not None:
        path = write_embeddings(save_embeddings, *evaluation.embeddings,
                                checkpoint=evaluation.checkpoint, recipe=evaluation.recipe.name)
        say(f"embeddings: {path}", quiet)
