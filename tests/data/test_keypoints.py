"""The one keypoint decoder: argmax, a quarter pixel toward the larger neighbour, peak score."""

from __future__ import annotations

import numpy as np
import pytest

from heatgait.data.keypoints import decode_keypoints


def test_quarter_pixel_toward_the_larger_neighbour() -> None:
    heatmaps = np.zeros((1, 3, 64, 48), np.float32)
    heatmaps[0, 0, 20, 10] = 1.0
    heatmaps[0, 0, 20, 11], heatmaps[0, 0, 20, 9] = 0.6, 0.2  # right is larger: x + 0.25
    heatmaps[0, 0, 19, 10], heatmaps[0, 0, 21, 10] = 0.5, 0.3  # above is larger: y - 0.25
    heatmaps[0, 1, 5, 30] = 0.7
    heatmaps[0, 1, 5, 29] = heatmaps[0, 1, 5, 31] = 0.4  # equal neighbours: x stays
    heatmaps[0, 1, 6, 30] = 0.1  # below is larger: y + 0.25
    heatmaps[0, 2, 63, 0] = 0.9
    heatmaps[0, 2, 63, 1] = heatmaps[0, 2, 62, 0] = 0.8  # on the border: stays there
    keypoints = decode_keypoints(heatmaps)
    assert keypoints.shape == (1, 3, 3) and keypoints.dtype == np.float32
    np.testing.assert_allclose(keypoints[0], [[10.25, 19.75, 1.0], [30.0, 5.25, 0.7],
                                              [0.0, 63.0, 0.9]], rtol=1e-6)


def test_any_leading_shape_and_first_peak_on_ties() -> None:
    rng = np.random.default_rng(0)
    heatmaps = rng.random((2, 3, 17, 64, 48)).astype(np.float32)  # [n, t, v, h, w]
    flat = decode_keypoints(heatmaps.reshape(6, 17, 64, 48))
    np.testing.assert_array_equal(decode_keypoints(heatmaps), flat.reshape(2, 3, 17, 3))
    np.testing.assert_array_equal(decode_keypoints(np.zeros((0, 17, 64, 48))).shape, (0, 17, 3))
    tie = np.zeros((1, 1, 64, 48), np.float32)
    tie[0, 0, 40, 7] = tie[0, 0, 10, 20] = 1.0  # two equal peaks: the first in row-major order
    np.testing.assert_array_equal(decode_keypoints(tie)[0, 0], [20.0, 10.0, 1.0])


def test_agrees_with_mmpose_msra_decoding_on_inner_peaks() -> None:
    refinement = pytest.importorskip("mmpose.codecs.utils.refinement")
    from mmpose.codecs.utils.post_processing import get_heatmap_maximum

    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:64, 0:48]
    # one skewed blob per joint, peaks away from columns/rows 0, 1 and the last
    centres = np.stack([rng.uniform(2.5, 44.5, 17), rng.uniform(2.5, 60.5, 17)], -1)
    heatmaps = np.exp(-((xx - centres[:, :1, None]) ** 2 / 8.0
                        + (yy - centres[:, 1:, None]) ** 2 / 5.0)).astype(np.float32)
    ours = decode_keypoints(heatmaps[None])[0]  # [17, 3]
    locs, vals = get_heatmap_maximum(heatmaps)
    theirs = refinement.refine_keypoints(locs[None].copy(), heatmaps)[0]  # [17, 2]
    assert (locs >= 2).all()
    np.testing.assert_array_equal(ours[:, :2], theirs)
    np.testing.assert_array_equal(ours[:, 2], vals)
