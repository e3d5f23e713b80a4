"""Reports of a :class:`Result`: the paper's table as text, a JSON file, a per-view heat table.

The PNG holds one rank-1 heat map per probe set (none for retrieval protocols, which have no
per-view table) and, when the result carries verification metrics, a last panel with the ROC
curve of every probe set (TAR against FAR on a log axis, the FAR = 1 % and 0.1 % operating
points marked, EER in the legend).

The library returns strings and writes files; printing is the CLI's job.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from heatgait.evaluation.protocols import Result
from heatgait.fileio import atomic_open, write_text


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
    views = next(iter(result.probe_sets.values())).views
    if per_view and views:  # retrieval protocols have no per-view table
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
    """A PNG with one heat map per probe set (rank-1 per (probe view, gallery view) cell) and
    the probe sets' ROC curves in a last panel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sets = [ps for ps in result.probe_sets.values() if ps.views]  # retrieval: ROC only
    views = sets[0].views if sets else []
    size = max(3.0, 0.45 * len(views) + 1.5)
    curves = [ps for ps in result.probe_sets.values()
              if ps.verification is not None and len(ps.verification.far)]
    panels = max(1, len(sets) + bool(curves))
    fig, axes = plt.subplots(1, panels, figsize=(size * panels + 0.5 * bool(curves), size),
                             squeeze=False)
    heat_axes = axes[0][:len(sets)].tolist()
    for ax, ps in zip(heat_axes, sets):
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
    if heat_axes:
        fig.colorbar(image, ax=heat_axes, shrink=0.8, label="rank-1 (%)")
    if curves:
        _roc_panel(axes[0][-1], curves)
    fig.suptitle(f"{result.protocol}: " + ", ".join(
        (["rank-1 per view pair"] if sets else []) + (["ROC"] if curves else [])))
    with atomic_open(path, "wb") as handle:  # bbox "tight" keeps the ROC axis labels in
        fig.savefig(handle, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def _roc_panel(ax, sets: list) -> None:
    """TAR (%) against FAR (log) for each probe set; FAR 1 % / 0.1 % marked."""
    for ps in sets:
        ver = ps.verification
        line, = ax.plot(ver.far, ver.tar * 100, lw=1.5,
                        label=f"{ps.name} (EER {_cell(ver.metrics['EER'])}%)")
        for far, key in ((0.01, "TAR@FAR=1%"), (0.001, "TAR@FAR=0.1%")):
            if not math.isnan(ver.metrics[key]):
                ax.plot([far], [ver.metrics[key]], "o", ms=4, color=line.get_color())
    for far in (0.01, 0.001):
        ax.axvline(far, color="grey", lw=0.6, ls=":")
    ax.set_xscale("log")
    ax.set_xlim(1e-5, 1.0)
    ax.set_ylim(0, 100.5)
    ax.set_xlabel("false accept rate")
    ax.set_ylabel("true accept rate (%)")
    ax.set_title("ROC (verification)")
    ax.grid(True, which="major", lw=0.3)
    ax.legend(fontsize=7, loc="lower right")
