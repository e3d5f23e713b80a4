"""Results beside the paper: each table with your numbers, the published ones and the difference.

``build_reports`` places results files (see ``results``) into the paper's tables; a file
must fill a cell of the table asked for (or of some table), and no two files may fill the
same row and data set pair. ``format_markdown`` renders the tables as Markdown: the paper's
rows as printed (other methods as context), then for each reproduced row "yours" and
"diff" (yours - paper, in points). ``save_png`` draws the same numbers as heat-coloured
differences. The library returns strings and writes files; printing is the CLI's job.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from heatgait.errors import UsageError
from heatgait.reproduce.paper import DATASETS, ROW_VARIANTS, Column, PublishedTable
from heatgait.reproduce.results import ResultsFile

_METRIC_LABELS = {"rank1": "R-1", "rank5": "R-5", "mAP": "mAP"}


@dataclass
class ReproducedRow:
    """A variant's numbers in one table, in the table's column order (None: not measured)."""

    variant: str
    method: str  # the paper's name of the row
    yours: list[float | None]
    paper: list[float | None]
    files: list[ResultsFile] = field(default_factory=list)

    @property
    def diff(self) -> list[float | None]:
        return [None if y is None or p is None else y - p for y, p in zip(self.yours, self.paper)]


@dataclass
class TableReport:
    """One table of the paper with the reproduced rows that results filled."""

    table: PublishedTable
    rows: list[ReproducedRow]
    notes: list[str] = field(default_factory=list)


def _describe(result: ResultsFile) -> str:
    return f"{result.train}->{result.test}, {result.variant}"


def _fills(table: PublishedTable, result: ResultsFile) -> bool:
    return result.pair in table.pairs and table.row(result.variant) is not None


def _place(table: PublishedTable, results: list[ResultsFile]) -> TableReport:
    rows: dict[str, ReproducedRow] = {}
    notes: list[str] = []
    owner: dict[tuple[str, tuple[str, str]], Path] = {}
    for result in results:
        key = (result.variant, result.pair)
        if key in owner:
            raise UsageError(f"{owner[key]} and {result.path} both hold {_describe(result)} "
                             f"results for Table {table.number}; give one of them")
        owner[key] = result.path
        published = table.row(result.variant)
        row = rows.setdefault(result.variant, ReproducedRow(
            variant=result.variant, method=published.method, yours=[None] * len(table.columns),
            paper=list(published.values)))
        row.files.append(result)
        for i, column in enumerate(table.columns):
            if column.pair == result.pair:
                value = result.values.get((column.probe, column.metric))
                if value is None and (column.probe, column.metric) not in result.values:
                    notes.append(f"{result.path.name}: no {column.metric} for probe set "
                                 f"{column.probe} (probe sets: {', '.join(result.probes)})")
                row.yours[i] = value
    order = list(ROW_VARIANTS)
    return TableReport(table, sorted(rows.values(), key=lambda r: order.index(r.variant)),
                       list(dict.fromkeys(notes)))


def build_reports(results: Sequence[ResultsFile], tables: dict[int, PublishedTable],
                  only: int | None = None, optional: Collection[Path] = ()) -> list[TableReport]:
    """The tables the results fill (or table ``only``), each with its reproduced rows.

    A result that fills no cell is an error, unless its path is in ``optional`` (files found
    in a folder): then it is left out and named in a note.
    """
    chosen = [tables[only]] if only is not None else list(tables.values())
    left_out: list[Path] = []
    for result in results:
        if any(_fills(t, result) for t in chosen):
            continue
        if result.path in optional:
            left_out.append(result.path)
        elif only is not None:
            table = tables[only]
            pairs = ", ".join(f"{a}->{b}" for a, b in table.pairs)
            variants = ", ".join(r.variant for r in table.rows if r.variant)
            raise UsageError(f"{result.path}: results of protocol {result.protocol} "
                             f"({_describe(result)}) have no cell in Table {only}, which takes "
                             f"{pairs} results of {variants}")
        else:
            raise UsageError(f"{result.path}: results of protocol {result.protocol} "
                             f"({_describe(result)}) fill no table of the paper")
    reports = []
    for table in chosen:
        placed = [r for r in results if _fills(table, r)]
        if placed or only is not None:
            reports.append(_place(table, placed))
    if not reports:
        raise UsageError(f"none of the {len(results)} results files fills a table of the paper "
                         f"({', '.join(str(p) for p in left_out[:3])}"
                         f"{', ...' if len(left_out) > 3 else ''})")
    if left_out:
        where = f"Table {only}" if only is not None else "any table"
        reports[0].notes.append(f"left out, filling no cell of {where}: "
                                + ", ".join(str(p) for p in left_out))
    return reports


def column_heading(table: PublishedTable, column: Column) -> str:
    """'CASIA-B NM', 'CCPG CL mAP', 'CC->CA Mean', 'CA->SU Rank5', ..."""
    if column.train == column.test:
        group = DATASETS[column.test][0]
    else:
        group = f"{column.train}->{column.test}"
    metrics = {c.metric for c in table.columns if c.pair == column.pair}
    metric = f" {_METRIC_LABELS.get(column.metric, column.metric)}" \
        if len(metrics) > 1 and not column.label else ""
    return f"{group} {column.heading}{metric}"


def _source(result: ResultsFile) -> str:
    """'results/cc-ca.json (recipe casia-b, pose hrnet)': a file and what made it."""
    made = [f"recipe {result.recipe}" if result.recipe else "", f"pose {result.pose}"
            if result.pose else ""]
    made = [m for m in made if m]
    return f"{result.path}" + (f" ({', '.join(made)})" if made else "")


def _number(value: float | None, signed: bool = False) -> str:
    if value is None or np.isnan(value):
        return "-"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def format_markdown(reports: Sequence[TableReport], context: bool = True) -> str:
    """The reports as Markdown tables; ``context`` keeps the paper's other methods' rows."""
    blocks = []
    for report in reports:
        table = report.table
        header = ["", *[column_heading(table, c) for c in table.columns]]
        lines = [f"### {table.heading}: {table.caption}", "",
                 "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        word = "published" if table.title else "paper"  # a titled table is not the paper's
        shown = [r for r in table.rows if context or r.variant in {x.variant for x in report.rows}]
        shown = [r for r in shown if not table.title or any(v is not None for v in r.values)]
        for row in shown:
            lines.append("| " + " | ".join([f"{row.method} ({word})",
                                            *[_number(v) for v in row.values]]) + " |")
        for row in report.rows:
            lines.append("| " + " | ".join([f"**{row.method} (yours)**",
                                            *[_number(v) for v in row.yours]]) + " |")
            lines.append("| " + " | ".join([f"{row.method}: yours - {word}",
                                            *[_number(v, True) for v in row.diff]]) + " |")
        if table.missing:
            lines += ["", f"Paper values: {table.missing}."]
        for row in report.rows:
            lines += ["", f"yours ({row.variant}): " + ", ".join(_source(f) for f in row.files)]
        lines += [f"note: {note}" for note in report.notes]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def save_png(reports: Sequence[TableReport], path: str | Path, spread: float = 10.0) -> Path:
    """One panel per table: reproduced rows x columns, coloured by yours - paper (+-spread)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    panels = [r for r in reports if r.rows] or list(reports)
    widths = [len(r.table.columns) for r in panels]
    fig, axes = plt.subplots(len(panels), 1, squeeze=False, layout="constrained", figsize=(
        max(6.0, 0.9 * max(widths) + 3.0),
        sum(1.6 + 0.6 * max(1, len(r.rows)) for r in panels) + 0.3))
    image = None
    for ax, report in zip(axes[:, 0], panels):
        table, rows = report.table, report.rows
        diff = np.array([[np.nan if v is None else v for v in r.diff] for r in rows] or
                        [[np.nan] * len(table.columns)], dtype=float)
        image = ax.imshow(np.ma.masked_invalid(diff), cmap="RdYlGn", vmin=-spread, vmax=spread,
                          aspect="auto")
        for i, row in enumerate(rows):
            for j, (yours, paper) in enumerate(zip(row.yours, row.paper)):
                strong = abs(diff[i, j]) > 0.7 * spread  # NaN compares False
                ax.text(j, i, f"{_number(yours)}\n({_number(paper)})", ha="center",
                        va="center", fontsize=7, color="white" if strong else "black")
        ax.set_xticks(range(len(table.columns)),
                      [column_heading(table, c).replace(" ", "\n", 1) for c in table.columns],
                      fontsize=7)
        ax.set_yticks(range(len(rows)), [r.method for r in rows] or ["(no results)"],
                      fontsize=8)
        ax.set_title(f"{table.heading}: yours (paper)", fontsize=9, loc="left")
    if image is not None:
        fig.colorbar(image, ax=axes[:, 0].tolist(), shrink=0.8,
                     label="yours - paper (points)")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
