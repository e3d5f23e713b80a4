"""`heatgait report`: results JSONs set beside the paper's published tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heatgait.cli.common import QuietOption, say
from heatgait.errors import UsageError
from heatgait.fileio import write_text


def report(
    results: Annotated[list[Path], typer.Argument(
        help="Results JSONs written by `heatgait eval --json`, or folders of them (a "
        "folder's files that fill no cell asked for are left out).",
        show_default=False)],
    table: Annotated[int | None, typer.Option(
        "--table", "-t", help="Only this table of the paper (1-5), or 6: the keypoint data "
        "sets (OU-MVLP, GREW, Gait3D) beside OpenGait's re-runs of GaitGraph, GaitGraph2 and "
        "GaitTR; every results file named must fill one of its cells. Default: every table "
        "the results fill.",
        rich_help_panel="Tables")] = None,
    variant: Annotated[str | None, typer.Option(
        "--variant", help="Row of the paper the results belong to: gaitheat, gaitheat++, "
        "regenerated or no-pgha (default: read from each file's provenance, else gaitheat).",
        rich_help_panel="Tables")] = None,
    context: Annotated[bool, typer.Option(
        "--context/--no-context", help="Show the paper's other methods as context rows.",
        rich_help_panel="Tables")] = True,
    png: Annotated[Path | None, typer.Option(
        "--png", help="Write the differences as a heat-coloured PNG here (default: "
        "report.png beside the first results file).", rich_help_panel="Output")] = None,
    markdown: Annotated[Path | None, typer.Option(
        "--markdown", help="Also write the Markdown tables to this file.",
        rich_help_panel="Output")] = None,
    quiet: QuietOption = False,
) -> None:
    """Print the paper's tables with your numbers beside the published ones and the difference.

    Results on the keypoint data sets (protocols oumvlp, grew, gait3d) fill a sixth table,
    set beside the pose-based numbers OpenGait published (GaitGraph, GaitGraph2, GaitTR).

    Each results file fills the cells of its data set pair (train -> test: the cross-domain
    pair, else the protocol's data set) in the row of its variant (GaitHeat, GaitHeat++,
    regenerated heatmaps, no PGHA), read from the file's provenance. The paper's numbers are
    shipped with heatgait (heatgait/reproduce/published/). Table 2's rows are not in the
    text the numbers were transcribed from: it shows your numbers only.

    Examples:
      heatgait report results/casia-b.json results/ccpg.json
      heatgait report results/ --table 5 --png table5.png
      heatgait report results/cc-ca.json --variant gaitheat++ --no-context
    """
    from heatgait.reproduce.paper import KEYPOINT_TABLE, TABLE_NUMBERS, load_tables
    from heatgait.reproduce.report import build_reports, format_markdown, save_png
    from heatgait.reproduce.results import read_results, results_paths

    tables = load_tables(keypoint=True)
    if table is not None and table not in tables:
        raise UsageError(f"--table {table}: the paper has tables "
                         f"{', '.join(map(str, TABLE_NUMBERS))}; {KEYPOINT_TABLE} is the "
                         "keypoint data sets")
    paths, in_folders = results_paths(results)
    files = [read_results(path, variant) for path in paths]
    reports = build_reports(files, tables, table, optional=in_folders)
    text = format_markdown(reports, context=context)
    typer.echo(text, nl=False)
    if markdown is not None:
        write_text(markdown, text)
        say(f"markdown: {markdown}", quiet)
    png = png or files[0].path.parent / "report.png"
    say(f"plot: {save_png(reports, png)}", quiet)
