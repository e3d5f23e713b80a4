"""BlazePose heatmap backend on crops of real walkers from vtest.avi."""

from __future__ import annotations

import numpy as np
import pytest

from heatgait.errors import UsageError
from heatgait.extract.detection.blazepose import BlazePersonDetector
from heatgait.extract.pose.blazepose import BlazePoseBackend, landmarks_to_heatmap_frame
from tests.footage import read_frames, require_vtest

FRAMES = [200, 600]


def _crop(frame: np.ndarray, box: np.ndarray, padding: float = 1.25) -> np.ndarray:
    """Top-down crop [256, 192, 3]: box padded, aspect fixed to 192/256, zeros outside."""
    import cv2

    x1, y1, x2, y2 = box[:4]
    w, h = (x2 - x1) * padding, (y2 - y1) * padding
    h = max(h, w * 256 / 192)
    s = 256 / h
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    m = np.array([[s, 0, 96 - s * cx], [0, s, 128 - s * cy]], dtype=np.float32)
    return cv2.warpAffine(frame, m, (192, 256), flags=cv2.INTER_LINEAR, borderValue=0)


@pytest.fixture(scope="module")
def backend() -> BlazePoseBackend:
    return BlazePoseBackend()


@pytest.fixture(scope="module")
def walkers() -> np.ndarray:
    """Crops [n, 256, 192, 3] of the people the detector finds on two mid-video frames."""
    frames = read_frames(require_vtest(), FRAMES)
    dets = BlazePersonDetector()(frames)
    return np.stack([_crop(f, b) for f, boxes in zip(frames, dets) for b in boxes])


@pytest.fixture(scope="module")
def outputs(backend: BlazePoseBackend, walkers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return backend(walkers)


def test_output_shapes_and_ranges(walkers: np.ndarray, outputs) -> None:
    heatmaps, keypoints = outputs
    assert len(walkers) >= 10
    assert heatmaps.shape == (len(walkers), 17, 64, 48) and heatmaps.dtype == np.float32
    assert keypoints.shape == (len(walkers), 17, 3) and keypoints.dtype == np.float32
    assert heatmaps.min() >= 0.0 and heatmaps.max() <= 1.0
    assert heatmaps.max() > 0.5  # real peaks, not a flat map
    assert np.all((keypoints[..., 2] >= 0) & (keypoints[..., 2] <= 1))


def test_heatmap_peaks_agree_with_regressed_keypoints(outputs) -> None:
    heatmaps, keypoints = outputs
    b, v, _, w = heatmaps.shape
    flat = heatmaps.reshape(b, v, -1).argmax(-1)  # [b, v]
    peak_y, peak_x = flat // w, flat % w
    dist = np.hypot(peak_x - keypoints[..., 0], peak_y - keypoints[..., 1])  # [b, v]
    confident = keypoints[..., 2] > 0.5
    # Seen on these crops: 87% of joints confident, 90% of those within 2 heatmap px.
    assert confident.mean() > 0.75
    assert (dist[confident] <= 2.0).mean() > 0.8


def test_joint_order_is_coco_head_to_feet(outputs) -> None:
    heatmaps, keypoints = outputs
    b, v, _, w = heatmaps.shape
    rows = heatmaps.reshape(b, v, -1).argmax(-1) // w  # [b, v]
    upright = keypoints[..., 2].mean(-1) > 0.7
    nose, shoulders, hips, ankles = rows[:, 0], rows[:, 5:7].mean(-1), rows[:, 11:13].mean(-1), \
        rows[:, 15:17].mean(-1)
    ordered = (nose < shoulders) & (shoulders < hips) & (hips < ankles)
    assert upright.sum() >= 8
    assert ordered[upright].mean() > 0.9


def test_blank_crop_scores_below_frame_filter(backend: BlazePoseBackend, outputs) -> None:
    _, keypoints = outputs
    _, blank = backend(np.zeros((1, 256, 192, 3), dtype=np.uint8))
    # Seen: 0.36 on a black crop, 0.77-0.96 on most walkers; the frame filter cuts at 0.4.
    assert blank[0, :, 2].mean() < 0.4
    assert np.median(keypoints[..., 2].mean(-1)) > 0.7


def test_batch_equals_one_by_one(backend: BlazePoseBackend, walkers: np.ndarray, outputs) -> None:
    heatmaps, keypoints = outputs
    for i in (0, len(walkers) - 1):
        hm_i, kp_i = backend(walkers[i:i + 1])
        np.testing.assert_array_equal(hm_i[0], heatmaps[i])
        np.testing.assert_array_equal(kp_i[0], keypoints[i])


def test_landmarks_map_into_the_heatmap_frame() -> None:
    landmarks = np.zeros((39, 5), dtype=np.float32)
    landmarks[0] = [32.5, 0.5, 0.0, 0.0, 0.0]  # nose at the crop's top-left input pixel
    landmarks[28] = [223.5, 255.5, 0.0, 100.0, 0.0]  # right ankle: COCO 16, bottom-right pixel
    kp = landmarks_to_heatmap_frame(landmarks)
    np.testing.assert_allclose(kp[0], [0.0, 0.0, 0.5])
    np.testing.assert_allclose(kp[16], [191 / 4, 255 / 4, 1.0])


def test_rejects_wrong_crop_shape(backend: BlazePoseBackend) -> None:
    with pytest.raises(UsageError, match="256, 192, 3"):
        backend(np.zeros((2, 256, 256, 3), dtype=np.uint8))
