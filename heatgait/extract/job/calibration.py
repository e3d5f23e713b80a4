"""Calibration crops for a static int8 pose model (``heatgait export --pose NAME --int8``):
people found by a stage-1 detector in the user's own footage, cut as stage 1 cuts them, for
``extract.pose.quantize.quantize_pose``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from heatgait.config.stage1 import DEFAULT_CALIBRATION_CROPS
from heatgait.errors import UsageError
from heatgait.extract.job.inputs import discover
from heatgait.extract.job.video import iter_frames
from heatgait.extract.pose.crop import crop_person

FRAME_STEP = 5  # calibration frames a fifth of a second apart at 25 fps: varied poses


def calibration_crops(sources: Sequence[str | Path], detector: Callable[[list[np.ndarray]], list],
                      count: int = DEFAULT_CALIBRATION_CROPS,
                      input_size: tuple[int, int] = (256, 192)) -> np.ndarray:
    """Up to ``count`` person crops [n, h, w, 3] uint8 RGB from the videos or frame folders in
    ``sources`` (every :data:`FRAME_STEP`-th frame, every person the detector finds), cut as
    stage 1 cuts them (box padded by 1.25, aspect fixed, warped to ``input_size``)."""
    found, _ = discover(list(sources), "generic")
    crops: list[np.ndarray] = []
    for source in found:
        batch: list[np.ndarray] = []
        for index, frame in enumerate(iter_frames(source.path, source.kind)):
            if index % FRAME_STEP == 0:
                batch.append(frame)
            if len(batch) == 8:
                crops += _crops_of(batch, detector, input_size)
                batch = []
            if len(crops) >= count:
                break
        if batch and len(crops) < count:
            crops += _crops_of(batch, detector, input_size)
        if len(crops) >= count:
            break
    if not crops:
        raise UsageError(f"--calibration {', '.join(map(str, sources))}: the detector found "
                         "nobody to calibrate on; give footage with people walking in it")
    return np.stack(crops[:count])


def _crops_of(frames: list[np.ndarray], detector: Callable, input_size: tuple[int, int]
              ) -> list[np.ndarray]:
    return [crop_person(frame, box[:4], 1.25, input_size)
            for frame, boxes in zip(frames, detector(frames)) for box in boxes]
