"""Reports of a :class:`Result`: the paper's table as text, a JSON file, a per-view heat table.

The library returns strings and writes files; printing is the CLI's job.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from heatgait.evaluation.protocols import Result
from heatgait.fileio import write_text


def _cell(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.2f}"


def _grid(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(c.rjust(w) if i else c.ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths)))
    return [line(header), "-" * len(line(header)), *[line(r) for r in rows]]


def format_table(result: Result, per_view: bool = True) -> str:
    """The summary table (probe sets as columns, Mean last) and, below, rank-1 per probe view."""
    names = list(result.probe_sets)
    header = ["", *names, "Mean"]
    rows = [[metric, *[_cell(result.probe_sets[n].metrics.get(metric, math.nan)) for n in names],
             _cell(result.mean.get(metric, math.nan))] for metric in result.metrics]
    counts = ", ".join(f"{n} {ps.num_probes}/{ps.num_gallery}"
                       for n, ps in result.probe_sets.items())
    lines = [f"{result.protocol} ({result.mode}), probes/gallery: {counts}", *_grid(header, rows)]
    if per_view:
        views = next(iter(result.probe_sets.values())).views
        view_rows = [[name, *[_cell(v) for v in ps.per_view[:, 0].tolist()],
                      _cell(float(np.nanmean(ps.per_view[:, 0]))
                            if (~np.isnan(ps.per_view[:, 0])).any() else math.nan)]
                     for name, ps in result.probe_sets.items()]
        lines += ["", "rank-1 per probe view (identical views excluded)",
                  *_grid(["probe view", *views, "Mean"], view_rows)]
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)


def write_json(result: Result, path: str | Path, extra: dict | None = None) -> Path:
    """Writes ``result.to_dict()`` (plus ``extra`` provenance under "details") as JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = result.to_dict()
    data["details"].update(extra or {})
    write_text(path, json.dumps(data, indent=2) + "\n")
    return path


def save_heat_table(result: Result, path: str | Path) -> Path:
    """A PNG with one heat map per probe set: rank-1 per (probe view, gallery view) cell."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sets = list(result.probe_sets.values())
    views = sets[0].views
    size = max(3.0, 0.45 * len(views) + 1.5)
    fig, axes = plt.subplots(1, len(sets), figsize=(size * len(sets), size), squeeze=False)
    for ax, ps in zip(axes[0], sets):
        cells = ps.cells[:, :, 0]  # [v, v]
        image = ax.imshow(np.ma.masked_invalid(cells), vmin=0, vmax=100, cmap="viridis")
        ax.set_title(f"{ps.name}: {_cell(ps.metrics.get('rank1', math.nan))}")
        ax.set_xticks(range(len(views)), views, rotation=90, fontsize=7)
        ax.set_yticks(range(len(views)), views, fontsize=7)
        ax.set_xlabel("gallery view")
        ax.set_ylabel("probe view")
        if len(views) <= 14:
            for (i, j), value in np.ndenumerate(cells):
                if not math.isnan(value):
                    ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=6,
                            color="white" if value < 60 else "black")
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.8, label="rank-1 (%)")
    fig.suptitle(f"{result.protocol}: rank-1 per view pair")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
