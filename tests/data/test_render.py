"""The pose-model rendering against hand-computed UDP Gaussians."""

from __future__ import annotations

import numpy as np
import pytest

from heatgait.data.render import render_pose_model


def _one(x: float, y: float, score: float) -> np.ndarray:
    kp = np.zeros((1, 17, 3), np.float32)
    kp[0, 0] = (x, y, score)
    return render_pose_model(kp)[0, 0]  # [64, 48]


def test_gaussian_value_window_and_peak():
    m = _one(10.3, 20.6, 0.8)
    # value: score * exp(-d^2 / (2 * 2^2)) at the pixel centre (10, 21)
    assert m[21, 10] == pytest.approx(0.8 * np.exp(-(0.3**2 + 0.4**2) / 8), rel=1e-6)
    assert m.argmax() == 21 * 48 + 10
    # window: 6 px (3 sigma) about mu = trunc(x + 0.5) = (10, 21), nothing beyond
    assert m[21, 16] > 0 and m[21, 17] == 0 and m[21, 4] > 0 and m[21, 3] == 0
    assert m[27, 10] > 0 and m[28, 10] == 0 and m[15, 10] > 0 and m[14, 10] == 0


def test_off_grid_joints_missing_joints_and_other_channels():
    edge = _one(-6.9, 30.0, 1.0)  # mu = trunc(-6.4) = -6: the window reaches column 0
    assert edge[30, 0] == pytest.approx(np.exp(-6.9**2 / 8), rel=1e-6) and edge[30, 1] == 0
    assert _one(-8.0, 30.0, 1.0).max() == 0  # window wholly off the grid
    assert _one(20.0, 30.0, 0.0).max() == 0  # score 0: a missing joint stays empty
    assert _one(np.nan, 30.0, 1.0).max() == 0
    kp = np.zeros((2, 17, 3), np.float32)
    kp[:, 5] = (24, 32, 1)
    maps = render_pose_model(kp)
    assert maps.shape == (2, 17, 64, 48) and maps.dtype == np.float32
    assert maps[:, 5].max() == 1.0 and maps[:, [0, 6]].max() == 0


def test_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"expected \[T, 17, 3\]"):
        render_pose_model(np.zeros((3, 18, 3)))
