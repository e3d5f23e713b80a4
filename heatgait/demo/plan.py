"""The demo's sizes, and where it records what it wrote."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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
