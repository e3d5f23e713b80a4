"""Heatmaps -> keypoints: the one decoder of every shard's ``keypoints`` side data.

Extraction with the mmpose backends, ``heatgait import`` and the synthetic generator all read
keypoints off heatmaps with :func:`decode_keypoints`, so shards made in different ways agree
to the bit on the same heatmaps. The rule is that of mmpose's MSRA heatmap decoding
(``get_heatmap_maximum`` + ``refine_keypoints``): take the argmax of each joint's map (the
first one in row-major order on ties), then move it a quarter pixel along x toward the larger
of its left and right neighbours, and along y toward the larger of the pixels above and below.
It does not move where the two neighbours are equal, and a point on the map's border stays on
it. (mmpose also leaves column 1 and row 1 unrefined, a side effect of its bounds test; here
they are refined like any other inner pixel, as heatgait's extraction always did.) Score = the
peak value; a flat map (all zero, say) decodes to (0, 0), where mmpose writes -1 for a peak of
0 or less. Positions are in heatmap pixel indices (x right, y down, pixel centres at integers),
as mmpose gives them before scaling to the image.

The offline BlazePose backend is the exception: it stores its model's regressed landmarks (see
``extract.blazepose``), not a decoding of its heatmaps.

Only numpy, no torch: the data layer and the synthetic generator run without a network stack.
"""

from __future__ import annotations

import numpy as np

QUARTER = 0.25  # the sub-pixel step toward the larger neighbour (mmpose)


def decode_keypoints(heatmaps: np.ndarray) -> np.ndarray:
    """Heatmaps [..., v, h, w] -> keypoints [..., v, 3] float32: x, y (heatmap pixels), score."""
    heatmaps = np.asarray(heatmaps)
    *lead, h, w = heatmaps.shape
    flat = heatmaps.reshape(-1, h * w)  # [n, h * w]: one row per joint map
    rows = np.arange(len(flat))
    best = flat.argmax(axis=1)  # [n]
    score = flat[rows, best]
    ys, xs = np.divmod(best, w)

    def at(y: np.ndarray, x: np.ndarray) -> np.ndarray:
        return flat[rows, y * w + x]

    # At the border the missing neighbour is the peak itself, so the step points off the map
    # (or nowhere) and the clip below puts the point back on the border.
    dx = at(ys, np.minimum(xs + 1, w - 1)) - at(ys, np.maximum(xs - 1, 0))
    dy = at(np.minimum(ys + 1, h - 1), xs) - at(np.maximum(ys - 1, 0), xs)
    x = np.clip(xs + QUARTER * np.sign(dx), 0, w - 1)
    y = np.clip(ys + QUARTER * np.sign(dy), 0, h - 1)
    return np.stack([x, y, score], axis=-1).astype(np.float32).reshape(*lead, 3)
