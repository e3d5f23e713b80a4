"""Regenerated heatmaps (Table 4): hand-computed Gaussians and normalisation, a real shard.

The shard is written by heatgait's synthetic generator through the real shard writer and read
back with ``ShardSet``: its keypoints are the argmax of pose-model-like heatmaps that carry a
faint body shade between the joints, as a real pose model's do.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from heatgait.data import ShardSet, write_shards
from heatgait.data.regenerate import (
    DEFAULT,
    canvas_to_output,
    draw_gaussians,
    impute_missing,
    missing_joints,
    normalize_to_canvas,
    regenerate_heatmaps,
    regenerated_keypoints,
)
from heatgait.synth.generate import SynthOptions, make_record


def one_joint(x: float, y: float, score: float, sigma: float) -> np.ndarray:
    xy = np.array([[[x, y]]])  # [t, v, 2]
    return draw_gaussians(xy, np.array([[score]]), np.array([sigma]))[0, 0]  # [64, 48]


def test_gaussian_peak_one_sigma_cut_and_skip():
    m = one_joint(10, 20, 0.8, 2.0)
    assert m.shape == (64, 48) and m.dtype == np.float32
    assert m[20, 10] == pytest.approx(0.8) and m.max() == pytest.approx(0.8)  # peak = score
    assert m[20, 12] == pytest.approx(0.8 * math.exp(-0.5), rel=1e-6)  # 1 sigma
    assert m[22, 12] == pytest.approx(0.8 * math.exp(-1.0), rel=1e-6)  # 1 sigma on both axes
    assert m[20, 16] == pytest.approx(0.8 * math.exp(-4.5), rel=1e-5)  # 3 sigma: still drawn
    assert m[20, 17] == 0 and m[27, 10] == 0 and m[13, 3] == 0  # beyond 3 sigma: zero
    assert np.count_nonzero(m) == 13 * 13  # the square window of +-3 sigma
    assert one_joint(10, 20, 0.0009, 2.0).max() == 0  # under 1e-3: not drawn
    assert one_joint(10, 20, 0.001, 2.0).max() == pytest.approx(0.001)
    between = one_joint(10.5, 20, 1.0, 2.0)  # off-pixel: the two nearest pixels share the peak
    assert between[20, 10] == between[20, 11] == pytest.approx(math.exp(-0.25 / 8), rel=1e-6)


def standing_pose() -> np.ndarray:
    """[17, 3]: head at y 10, hips at (10, 30) and (14, 30), ankles at y 50, score 0.9."""
    kp = np.zeros((17, 3))
    kp[:, 0] = np.linspace(6, 18, 17)
    kp[:, 1] = np.linspace(10, 50, 17)
    kp[11, :2], kp[12, :2] = (10, 30), (14, 30)
    kp[:, 2] = 0.9
    return kp


def test_normalisation_by_hand():
    kp = standing_pose()[None]  # [1, 17, 3]
    canvas, usable = normalize_to_canvas(kp[..., :2])
    scale = 85 / 40  # extent 10..50 becomes 85 px
    assert usable.tolist() == [True]
    np.testing.assert_allclose(canvas[0, 11:13].mean(axis=0), [64, 64])  # mid-hip at the centre
    np.testing.assert_allclose(canvas[0, 0], [64 + (6 - 12) * scale, 64 + (10 - 30) * scale])
    assert np.ptp(canvas[0, :, 1]) == pytest.approx(85)
    out, sigma = canvas_to_output(canvas, np.ones((1, 17), bool))
    # rows 21.5 - 24 .. 106.5 + 24 clipped to the canvas: h = 128 rows, s = 64 / 128
    assert sigma.tolist() == [4.0]
    np.testing.assert_allclose(out[0, 0], [23.5 + (6 - 12) * scale * 0.5, 10.5])
    np.testing.assert_allclose(out[0, 11:13].mean(axis=0), [23.5, (64 + 0.5) * 0.5 - 0.5])


def test_crop_follows_the_drawn_rows():
    """A frame whose Gaussians stay inside the canvas is cropped to them, not to the canvas."""
    canvas = np.array([[[64.0, 40.0], [64.0, 80.0]]])  # [1, 2, 2]: rows 16 .. 104 reached
    out, sigma = canvas_to_output(canvas, np.ones((1, 2), bool))
    s = 64 / (104 - 16 + 1)
    assert sigma[0] == pytest.approx(8 * s)
    np.testing.assert_allclose(out[0, :, 1], [(24 + 0.5) * s - 0.5, (64 + 0.5) * s - 0.5])


def walking(frames: int, step: float) -> np.ndarray:
    """[t, 17, 3]: one pose translated by ``step`` px a frame."""
    kp = np.repeat(standing_pose()[None], frames, axis=0)
    kp[..., 0] += step * np.arange(frames)[:, None]
    return kp


def test_imputation_from_the_nearest_frames_by_hand():
    kp = walking(5, 1.5)
    missing = np.zeros((5, 17), bool)
    missing[4, 9] = True  # frame 4's joint 9 is lost
    xy = kp[..., :2].copy()
    xy[4, 9] = np.nan
    filled = impute_missing(xy, missing)
    # neighbours: frames 3, 2, 1, 0 at distances 1, 2, 3, 4 (x c); weights 1, 1/2, 1/3, 1/4
    steps = (3 * 1 + 2 / 2 + 1 / 3 + 0 / 4) / (1 + 1 / 2 + 1 / 3 + 1 / 4)
    assert steps == pytest.approx(2.08)
    np.testing.assert_allclose(filled[4, 9], [kp[0, 9, 0] + 1.5 * steps, kp[0, 9, 1]])
    np.testing.assert_array_equal(filled[:4], xy[:4])  # what was there stays


def test_imputation_identical_frame_wins_and_partner_fills_a_lost_joint():
    kp = walking(4, 2.0)
    kp[2] = kp[1]
    kp[2, 5, :2] = [99, 99]  # to be replaced
    kp[2, 5, 2] = 0.0  # score 0: missing
    kp[:, 16, 2] = 0.0  # right ankle never seen
    missing = missing_joints(kp)
    assert missing[2, 5] and missing[:, 16].all() and missing.sum() == 5
    filled = impute_missing(kp[..., :2], missing)
    np.testing.assert_allclose(filled[2, 5], kp[1, 5, :2])  # distance 0 to frame 1
    np.testing.assert_allclose(filled[:, 16], kp[:, 15, :2])  # left/right partner


def test_nan_keypoints_count_as_missing_and_blank_frames_stay_blank():
    kp = walking(3, 1.0)
    kp[0, 3, 0] = np.nan
    kp[1, :, 2] = 0.0  # nothing detected in frame 1
    maps = regenerate_heatmaps(kp)
    assert np.isfinite(maps).all()
    assert maps[0, 3].max() == 0 and maps[0, 4].max() > 0
    assert maps[1].max() == 0
    assert regenerate_heatmaps(np.zeros((2, 17, 3))).max() == 0
    with pytest.raises(ValueError, match=r"expected \[T, 17, 3\]"):
        regenerate_heatmaps(np.zeros((2, 16, 3)))


def test_same_pose_at_another_scale_and_place_gives_the_same_map():
    kp = walking(6, 0.7)
    kp[..., 2] = np.linspace(0.3, 1.0, 17)
    kp[2, 7, 2] = 0.0  # a missing joint: imputation must be invariant too
    moved = kp.copy()
    moved[..., :2] = kp[..., :2] * 0.55 + np.array([9.0, -4.0])
    a, b = regenerate_heatmaps(kp), regenerate_heatmaps(moved)
    assert a.max() > 0.9
    np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.fixture(scope="module")
def shard(tmp_path_factory):
    """A real shard of three synthetic sequences, read back: (keypoints, raw heatmaps) each."""
    options = SynthOptions(subjects=2, seed=3, frames=(20, 24))
    records = [make_record(options, 0, "nm-01", "090"), make_record(options, 1, "bg-01", "036"),
               make_record(options, 1, "cl-01", "144")]
    folder = tmp_path_factory.mktemp("shards")
    write_shards(records, folder, progress=False)
    shards = ShardSet(folder)
    return [(shards.read_keypoints(i), shards.read(i)) for i in range(len(shards))]


def test_real_shard_peaks_where_the_normalised_keypoints_are(shard):
    for keypoints, _ in shard:
        assert keypoints.shape[1:] == (17, 3)
        maps = regenerate_heatmaps(keypoints)  # [t, 17, 64, 48]
        positions, sigma = regenerated_keypoints(keypoints)
        assert maps.shape == (len(keypoints), 17, 64, 48)
        # the positions are each frame's keypoints moved and scaled (one factor for x and y),
        # the mid-hip on the centre column, the vertical extent 85 canvas px (= 85 s here)
        complete = ~missing_joints(keypoints).any(axis=1)  # frames with nothing imputed
        assert complete.mean() > 0.9
        for frame, out, sig in zip(keypoints[complete], positions[complete], sigma[complete]):
            scale = np.ptp(out[:, 1]) / np.ptp(frame[:, 1])
            shift = out[:, :2] - scale * frame[:, :2]  # [17, 2]: one shift for every joint
            np.testing.assert_allclose(shift, np.broadcast_to(shift.mean(axis=0), shift.shape),
                                       atol=1e-4)
            assert out[11:13, 0].mean() == pytest.approx(23.5)
            assert np.ptp(out[:, 1]) == pytest.approx(85 * sig / 8)
        inside = ((positions[..., 0] > 0.5) & (positions[..., 0] < 46.5)
                  & (positions[..., 1] > 0.5) & (positions[..., 1] < 62.5)
                  & (positions[..., 2] >= DEFAULT.min_score))
        assert inside.mean() > 0.9
        flat = maps.reshape(*maps.shape[:2], -1)
        peak = flat.argmax(axis=-1)
        found = np.stack([peak % 48, peak // 48], axis=-1)  # [t, 17, 2] x, y
        assert (np.abs(found - positions[..., :2])[inside] <= 0.5 + 1e-6).all()
        top = flat.max(axis=-1)[inside]
        score = positions[..., 2][inside]
        assert (top <= score + 1e-6).all() and (top >= 0.97 * score).all()


def test_real_shard_regenerated_differs_from_raw_as_the_paper_says(shard):
    """No body shade between joints: away from its joint a regenerated channel is zero, where
    the raw channel still holds the body's shade (above its background)."""
    raw_shade, raw_background, regen_away = [], [], []
    for keypoints, raw in shard:
        maps = regenerate_heatmaps(keypoints)
        positions, sigma = regenerated_keypoints(keypoints)
        for t in range(len(keypoints)):
            reach = DEFAULT.cut * sigma[t]
            for j in range(17):
                # other joints farther than 3 sigma from joint j (along some axis), both maps
                far = (np.abs(positions[t, :, :2] - positions[t, j, :2]) > reach + 1).any(axis=1)
                xy = np.clip(np.round(positions[t, far, :2]).astype(int), 0, [47, 63])
                regen_away.append(maps[t, j, xy[:, 1], xy[:, 0]])
                kx, ky = keypoints[t, far, 0].astype(int), keypoints[t, far, 1].astype(int)
                raw_shade.append(raw[t, j, ky, kx])
                raw_background.append(np.median(raw[t, j]))
    assert np.concatenate(regen_away).max() == 0.0
    shade, background = np.concatenate(raw_shade).mean(), np.mean(raw_background)
    assert shade > 2 * background and shade > 0.1, (shade, background)


def test_real_shard_raw_position_varies_regenerated_does_not(shard):
    keypoints = np.concatenate([k for k, _ in shard])
    positions, sigma = regenerated_keypoints(keypoints)
    raw_hip = keypoints[:, 11:13, :2].mean(axis=1)
    assert raw_hip.std(axis=0).max() > 0.3  # the raw crop moves the body around
    np.testing.assert_allclose(positions[:, 11:13, 0].mean(axis=1), 23.5)  # regenerated: fixed
    assert np.ptp(sigma) < 0.2 * sigma.mean()  # and nearly the same scale in every frame


def test_frames_picks_frames_after_imputing_over_the_whole_sequence(shard):
    keypoints = shard[0][0].copy()
    keypoints[5, 13, 2] = 0.0
    full = regenerate_heatmaps(keypoints)
    picks = np.array([7, 5, 5, 0])
    np.testing.assert_array_equal(regenerate_heatmaps(keypoints, frames=picks), full[picks])
