"""What a training run writes besides checkpoints: a JSONL log, TensorBoard scalars, a plot.

``metrics.jsonl`` holds one line per logged iteration (iteration, lr, loss terms,
sequences/s); it is the source of truth for the loss-curve PNG and survives a resume (lines
past the resumed iteration are dropped, so the file tells one consistent history).
TensorBoard is optional at run time: without the ``tensorboard`` package the scalars are only
in the JSONL file.
"""

from __future__ import annotations

import json
from pathlib import Path

from heatgait import fileio

METRICS_FILE = "metrics.jsonl"
CURVE_FILE = "loss.png"
TENSORBOARD_DIR = "tensorboard"


class RunLog:
    """Appends metrics of one run (rank 0 only); use as a context manager."""

    def __init__(self, run_dir: str | Path, start_iteration: int = 0, tensorboard: bool = True):
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.run_dir / METRICS_FILE
        _truncate_after(self.path, start_iteration)
        self._file = self.path.open("a")
        self._writer = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:  # tensorboard not installed: JSONL only
                SummaryWriter = None
            if SummaryWriter is not None:
                self._writer = SummaryWriter(str(self.run_dir / TENSORBOARD_DIR),
                                             purge_step=start_iteration or None)

    def log(self, iteration: int, values: dict[str, float]) -> None:
        row = {"iteration": int(iteration), **{k: float(v) for k, v in values.items()}}
        self._file.write(json.dumps(row) + "\n")
        self._file.flush()
        if self._writer is not None:
            for name, value in values.items():
                self._writer.add_scalar(name.replace(".", "/"), float(value), iteration)

    def close(self) -> None:
        self._file.close()
        if self._writer is not None:
            self._writer.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_metrics(path: str | Path) -> list[dict[str, float]]:
    """Rows of a ``metrics.jsonl`` (a run folder or the file itself)."""
    path = Path(path)
    if path.is_dir():
        path = path / METRICS_FILE
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut by a kill mid-write
            continue
    return rows


def _truncate_after(path: Path, iteration: int) -> None:
    """Drops rows logged after ``iteration`` (a resumed run logs them again)."""
    if not path.exists():
        return
    kept = [r for r in read_metrics(path) if r.get("iteration", 0) <= iteration]
    # durably: a kill during this rewrite must not lose the log
    fileio.write_text(path, "".join(json.dumps(r) + "\n" for r in kept) if iteration else "")


def plot_loss_curve(run_dir: str | Path) -> Path | None:
    """Writes ``loss.png`` (total loss and each term over iterations); None if nothing logged."""
    rows = read_metrics(run_dir)
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["iteration"] for r in rows]
    terms = [k for k in rows[-1] if k == "loss" or k.endswith(("/triplet", "/ce"))]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name in terms:
        axes[0].plot(steps, [r.get(name, float("nan")) for r in rows], label=name,
                     linewidth=2.0 if name == "loss" else 1.0)
    axes[0].set_xlabel("iteration")
    axes[0].set_ylabel("loss")
    axes[0].legend(fontsize=7)
    axes[1].plot(steps, [r.get("lr", float("nan")) for r in rows])
    axes[1].set_xlabel("iteration")
    axes[1].set_ylabel("learning rate")
    axes[1].set_yscale("log")
    fig.tight_layout()
    out = Path(run_dir) / CURVE_FILE
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
