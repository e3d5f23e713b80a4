"""Pictures of extracted sequences, to see what stage 1 kept (``heatgait show``).

A strip shows frames of a sequence side by side: the max over the 17 joint heatmaps,
colour-mapped, with the frame index and mean keypoint score above each. With the source video
at hand each tile also shows the RGB crop the pose model saw, the heatmaps blended over it.
Returns RGB uint8 images; writing them is the caller's business (PNG with OpenCV, GIF with
Pillow).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from heatgait.errors import MissingDependencyError
from heatgait.extract.pose.crop import crop_person

TITLE_H = 18


def pick_frames(num_frames: int, max_frames: int) -> np.ndarray:
    """Up to max_frames positions spread evenly over a sequence."""
    if num_frames <= max_frames:
        return np.arange(num_frames)
    return np.unique(np.linspace(0, num_frames - 1, max_frames).round().astype(np.int64))


def colorize(heatmaps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """[17, h, w] in [0, 1] -> max over joints, JET-coloured RGB [H, W, 3] at size (H, W)."""
    peak = np.clip(heatmaps.max(axis=0), 0.0, 1.0)  # [h, w]
    gray = cv2.resize((peak * 255).astype(np.uint8), (size[1], size[0]),
                      interpolation=cv2.INTER_LINEAR)
    return cv2.cvtColor(cv2.applyColorMap(gray, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)


def render_tile(heatmaps: np.ndarray, title: str, crop: np.ndarray | None = None,
                size: tuple[int, int] = (256, 192)) -> np.ndarray:
    """One frame: coloured heatmap [17, 64, 48] (over the RGB crop if given) with a title."""
    tile = colorize(heatmaps, size)
    if crop is not None:
        tile = cv2.addWeighted(cv2.resize(crop, (size[1], size[0])), 0.5, tile, 0.5, 0.0)
    canvas = np.zeros((size[0] + TITLE_H, size[1], 3), dtype=np.uint8)
    canvas[TITLE_H:] = tile
    cv2.putText(canvas, title, (3, TITLE_H - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                (255, 255, 255), 1, cv2.LINE_AA)
    return canvas


def source_crops(video: str | Path, frame_indices: Sequence[int], boxes: np.ndarray,
                 padding: float = 1.25) -> list[np.ndarray]:
    """The RGB crops the pose model saw: frames of the source at frame_indices, boxes [t, 4]."""
    from heatgait.extract.job.video import iter_frames

    wanted = {int(f): i for i, f in enumerate(frame_indices)}
    crops: list[np.ndarray | None] = [None] * len(wanted)
    kind = "frames" if Path(video).is_dir() else "video"
    for index, frame in enumerate(iter_frames(video, kind)):
        if index in wanted:
            crops[wanted[index]] = crop_person(frame, boxes[wanted[index]], padding)
        if index >= max(wanted, default=-1):
            break
    return [c if c is not None else np.zeros((256, 192, 3), np.uint8) for c in crops]


def render_tiles(heatmaps: np.ndarray, frame_indices: np.ndarray, scores: np.ndarray,
                 crops: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
    """heatmaps [t, 17, 64, 48] -> one titled tile per frame."""
    return [render_tile(hm, f"#{int(f)}  score {float(s):.2f}",
                        None if crops is None else crops[i])
            for i, (hm, f, s) in enumerate(zip(heatmaps, frame_indices, scores))]


def strip(tiles: Sequence[np.ndarray], columns: int = 8) -> np.ndarray:
    """Tiles side by side, ``columns`` to a row -> one RGB image."""
    h, w = tiles[0].shape[:2]
    rows = (len(tiles) + columns - 1) // columns
    image = np.zeros((rows * h, min(columns, len(tiles)) * w, 3), dtype=np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        image[r * h:(r + 1) * h, c * w:(c + 1) * w] = tile
    return image


def save_image(image_or_tiles: np.ndarray | Sequence[np.ndarray], path: str | Path,
               fps: float = 10.0) -> Path:
    """A PNG/JPG of one RGB image, or a GIF of tiles (one per GIF frame)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".gif":
        try:
            from PIL import Image
        except ImportError as exc:
            raise MissingDependencyError("Pillow is needed for GIF output; pip install pillow "
                                         "or write a .png") from exc
        frames = [Image.fromarray(t) for t in image_or_tiles]
        frames[0].save(path, save_all=True, append_images=frames[1:],
                       duration=int(1000 / fps), loop=0)
    else:
        cv2.imwrite(str(path), cv2.cvtColor(np.asarray(image_or_tiles), cv2.COLOR_RGB2BGR))
    return path
