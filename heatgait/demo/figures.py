"""The demo's pictures: extracted sequences, and what pose-guided alignment is for.

The alignment figure shows PGHA doing its job, so its frames are chosen by a stated rule that
uses what the synthetic generator knows (each sequence's true camera roll and box offset):
- "tilted": the sequences the generator rolled most (at least 8 deg), among those whose estimated
  lean agrees with the true roll within 5 deg. A lean far from the roll means an argmax landed on
  the wrong joint (the generator also simulates swapped joints); those frames show a pose-model
  fault, not what PGHA corrects, so they are not picked.
- "off-centre": the upright sequences (no roll) whose box the generator shifted most.
Beside the pictures the figure states the share of all frames that PGHA rotated, translated
only, or left unchanged.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from heatgait.demo.plan import DemoPlan

TILT_MIN_DEG = 8.0
TILT_AGREEMENT_DEG = 5.0
OFFSET_MIN_PX = 1.0
PER_KIND = 2


def show_sequences(shards: Path, png: Path, count: int = 3, frames: int = 8) -> Path | None:
    """A picture of the longest extracted sequences: max over joints, one row each."""
    from heatgait.data.shardset import ShardSet
    from heatgait.extract.job.render import colorize, strip

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


def _pick(candidates: list[tuple[float, int]], count: int) -> list[int]:
    return [index for _, index in sorted(candidates, reverse=True)[:count]]


def alignment_figure(plan: DemoPlan, data: Path, gamma: float = 5.0,
                     translate_below: bool = False) -> str:
    """Tilted and off-centre frames before and after PGHA, and the share it rotated.

    ``translate_below`` as the recipe's ``model.translate_below`` (paper: false).

    Returns one line saying what the figure shows (the shares, and which frames were picked).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    from heatgait.data.shardset import ShardSet
    from heatgait.models.align import align_heatmaps, plan_alignment

    found = ShardSet(data)
    count = min(len(found), 400)
    frames = torch.from_numpy(np.stack([found.read(i, np.array([0]))[0] for i in range(count)]))
    steps = plan_alignment(frames, gamma, translate_below=translate_below)
    lean = np.degrees(steps.theta.numpy())
    tilted, shifted = [], []
    for i in range(count):
        attrs = found.attrs(i)
        roll, offset = abs(float(attrs.get("tilt_deg", 0.0))), attrs.get("offset_px", [0, 0])
        if not bool(steps.moved[i]):
            continue
        if roll >= TILT_MIN_DEG and abs(abs(lean[i]) - roll) <= TILT_AGREEMENT_DEG:
            tilted.append((roll, i))
        elif roll == 0 and math.hypot(*offset) >= OFFSET_MIN_PX:
            shifted.append((math.hypot(*offset), i))
    picks = _pick(tilted, PER_KIND) + _pick(shifted, PER_KIND)
    if not picks:  # a tiny set may hold neither: show the frames PGHA moved most
        picks = np.argsort(-np.abs(lean) * steps.moved.numpy())[:PER_KIND * 2].tolist()
    rotated = float(steps.rotated.float().mean()) * 100
    moved = float(steps.moved.float().mean()) * 100
    share = (f"PGHA rotated {rotated:.0f}% of {count} first frames (lean > {gamma:.0f} deg), "
             f"only translated {moved - rotated:.0f}%, left {100 - moved:.0f}% unchanged")

    before = frames[picks]
    after = align_heatmaps(before, gamma=gamma, translate_below=translate_below)
    fig, axes = plt.subplots(2, len(picks), figsize=(2.3 * len(picks), 5.6), squeeze=False)
    for col, index in enumerate(picks):
        kind = "tilted" if index in dict((i, r) for r, i in tilted) else "off-centre"
        for row, maps in enumerate((before, after)):
            ax = axes[row, col]
            ax.imshow(maps[col].amax(0).numpy(), cmap="magma", vmin=0, vmax=1)
            ax.set_title(f"{kind}, lean {lean[index]:+.0f} deg" if row == 0 else "after PGHA",
                         fontsize=8)
            ax.axis("off")
    fig.suptitle(f"{share}\ncolumns: the most rolled sequences whose lean matches the roll, "
                 "then the most off-centre upright ones", fontsize=8)
    fig.tight_layout()
    png = plan.out_dir / "alignment-before-after.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    plan.results["alignment"] = png
    return share


def _save_rgb(image: np.ndarray, path: Path) -> None:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
