"""Synthetic street scenes for testing trackers: walkers crossing and hiding each other.

Each scene is drawn from a seed: people walk straight lines at their own speed and size past
a static camera (as in surveillance footage such as vtest.avi), the nearer one (lower feet)
hiding the farther. What a person detector would return is simulated with the faults that
make trackers switch identities: box jitter, missed detections, a person hidden behind
another vanishing for some frames, two overlapping people merged into one box, and clutter.
Ground truth is every person at least ``min_visible`` visible, with the true box.

Presets (``SCENES``) name the hard cases: two walkers crossing, crossing at different speeds
and sizes, one overtaking another (long overlap), a short and a long full occlusion, and four
walkers crossing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from heatgait.extract.detection.boxes import box_iou

FRAME_W, FRAME_H = 768, 576
ASPECT = 0.4  # width / height of a walking person's box


@dataclass(frozen=True)
class Walker:
    """A straight walk: feet at (x, y) at frame ``start``, moving (vx, vy) px a frame."""

    x: float
    y: float
    vx: float
    vy: float
    height: float
    start: int = 0


@dataclass(frozen=True)
class DetectorFaults:
    """How the simulated detector errs."""

    jitter: float = 0.04  # sd of box edges, in box heights
    miss_rate: float = 0.08  # chance of missing a fully visible person
    min_detect_visible: float = 0.6  # below this visible share the person is never detected
    merge_iou: float = 0.35  # two people overlapping more than this ...
    merge_rate: float = 0.5  # ... come out as one union box this often
    clutter_rate: float = 0.1  # false boxes a frame


@dataclass(frozen=True)
class SceneSpec:
    """A scene: who walks, for how long, and the detector's faults."""

    walkers: tuple[Walker, ...]
    frames: int = 60
    faults: DetectorFaults = field(default_factory=DetectorFaults)
    min_visible: float = 0.3  # ground truth keeps people at least this visible


@dataclass
class Scene:
    """A drawn scene: detections per frame [n_i, 5] and ground-truth rows [m, 6]."""

    name: str
    seed: int
    detections: list[np.ndarray]
    gt: np.ndarray  # rows (frame, id, x1, y1, x2, y2)

    @property
    def frame_indices(self) -> list[int]:
        return list(range(len(self.detections)))


def walker_box(w: Walker, frame: int) -> np.ndarray:
    """True box [4] of a walker at ``frame`` (feet at the bottom centre)."""
    t = frame - w.start
    x, y = w.x + w.vx * t, w.y + w.vy * t
    half = 0.5 * ASPECT * w.height
    return np.array([x - half, y - w.height, x + half, y])


def visible_share(box: np.ndarray, occluders: list[np.ndarray], grid: int = 12) -> float:
    """Share of ``box`` [4] not covered by any of ``occluders`` (sampled on a grid)."""
    xs = np.linspace(box[0], box[2], grid)
    ys = np.linspace(box[1], box[3], grid)
    px, py = np.meshgrid(xs, ys)
    hidden = np.zeros_like(px, dtype=bool)
    for o in occluders:
        hidden |= (px >= o[0]) & (px <= o[2]) & (py >= o[1]) & (py <= o[3])
    inside = (px >= 0) & (px <= FRAME_W) & (py >= 0) & (py <= FRAME_H)
    return float((~hidden & inside).mean())


def draw_scene(spec: SceneSpec, seed: int, name: str = "") -> Scene:
    """Simulates ground truth and detections of ``spec``; the same seed gives the same scene."""
    rng = np.random.default_rng(seed)
    f = spec.faults
    detections: list[np.ndarray] = []
    gt_rows: list[list[float]] = []
    for frame in range(spec.frames):
        boxes = [walker_box(w, frame) for w in spec.walkers]
        present = [frame >= w.start for w in spec.walkers]
        visible = []
        for i, box in enumerate(boxes):
            nearer = [b for j, b in enumerate(boxes) if j != i and present[j] and b[3] > box[3]]
            visible.append(visible_share(box, nearer) if present[i] else 0.0)
        gt_ids = [i for i in range(len(boxes)) if visible[i] >= spec.min_visible]
        gt_rows += [[frame, i, *boxes[i]] for i in gt_ids]
        candidates = [i for i in gt_ids if rng.random() >= f.miss_rate]
        dets, rest = _merge_overlapping(rng, candidates, boxes, f)
        dets += [boxes[i] for i in rest if visible[i] >= f.min_detect_visible]
        dets = [_jitter(rng, b, f.jitter) for b in dets]
        dets += [_clutter(rng) for _ in range(rng.poisson(f.clutter_rate))]
        order = rng.permutation(len(dets))  # detection order carries no identity
        detections.append(np.array([dets[k] for k in order], dtype=np.float64).reshape(-1, 5))
    return Scene(name, seed, detections, np.array(gt_rows, dtype=np.float64).reshape(-1, 6))


def _merge_overlapping(rng: np.random.Generator, ids: list[int], boxes: list[np.ndarray],
                       f: DetectorFaults) -> tuple[list[np.ndarray], list[int]]:
    """Some pairs of strongly overlapping people come out as one union box (one NMS survivor
    over both) -> (union boxes, ids of the people left to detect one by one)."""
    unions: list[np.ndarray] = []
    ids = list(ids)
    while len(ids) > 1:
        iou = box_iou(np.stack([boxes[i] for i in ids]), np.stack([boxes[i] for i in ids]))
        np.fill_diagonal(iou, 0.0)
        a, b = np.unravel_index(np.argmax(iou), iou.shape)
        if iou[a, b] <= f.merge_iou or rng.random() >= f.merge_rate:
            break
        i, j = ids[a], ids[b]
        unions.append(np.concatenate([np.minimum(boxes[i][:2], boxes[j][:2]),
                                      np.maximum(boxes[i][2:], boxes[j][2:])]))
        ids = [k for k in ids if k not in (i, j)]
    return unions, ids


def _jitter(rng: np.random.Generator, box: np.ndarray, sd: float) -> np.ndarray:
    h = box[3] - box[1]
    return np.concatenate([box + rng.normal(0.0, sd * h, 4), [rng.uniform(0.55, 0.95)]])


def _clutter(rng: np.random.Generator) -> np.ndarray:
    h = rng.uniform(50, 120)
    x, y = rng.uniform(0, FRAME_W - h), rng.uniform(h, FRAME_H)
    return np.array([x, y - h, x + ASPECT * h, y, rng.uniform(0.5, 0.65)])


def _vary(rng: np.random.Generator, w: Walker) -> Walker:
    """Small per-seed changes of a preset walker: position, speed, size."""
    return replace(w, x=w.x + rng.normal(0, 8), y=w.y + rng.normal(0, 4),
                   vx=w.vx * rng.uniform(0.85, 1.15), height=w.height * rng.uniform(0.9, 1.1))


SCENES: dict[str, SceneSpec] = {
    # two people of one size crossing head-on at a small depth difference
    "cross": SceneSpec((Walker(150, 330, 6, 0, 110), Walker(620, 338, -6, 0, 114))),
    # a fast small far walker crosses a slow large near one
    "cross-speed-size": SceneSpec((Walker(100, 260, 10, 0.3, 80),
                                   Walker(560, 400, -3, 0, 150)), frames=55),
    # one overtakes another in the same direction: they overlap for many frames
    "overtake": SceneSpec((Walker(120, 350, 7, 0, 115), Walker(220, 340, 3, 0, 110)),
                          frames=70),
    # a far walker is fully hidden behind a near one for several frames
    "occlusion": SceneSpec((Walker(150, 300, 5, 0, 100), Walker(560, 330, -5, 0, 125)),
                           faults=DetectorFaults(merge_rate=0.0), frames=80),
    # a small far walker passes behind a large near one, hidden for many frames
    "hidden": SceneSpec((Walker(100, 300, 6, 0, 85), Walker(220, 390, 3, 0, 170)),
                        faults=DetectorFaults(merge_rate=0.0), frames=80),
    # four walkers, several crossings, one joining late
    "group": SceneSpec((Walker(80, 300, 6, 0, 100), Walker(680, 320, -5, 0, 110),
                        Walker(380, 420, -2, -0.5, 140), Walker(60, 250, 8, 0.2, 80, start=10)),
                       frames=70),
}


def preset_scene(name: str, seed: int) -> Scene:
    """Preset ``name`` of ``SCENES`` with its walkers varied by ``seed``, then drawn."""
    spec = SCENES[name]
    rng = np.random.default_rng([seed, 7])
    spec = replace(spec, walkers=tuple(_vary(rng, w) for w in spec.walkers))
    return draw_scene(spec, seed, name)
