"""Crop geometry against hand-computed cases (mmpose GetBBoxCenterScale + TopdownAffine)."""

import numpy as np

from heatgait.extract.pose.crop import (
    box_to_center_scale,
    crop_person,
    crop_region,
    fix_aspect_ratio,
    heatmap_to_image,
    warp_matrix,
)


def test_center_scale_pads_by_1_25():
    center, scale = box_to_center_scale(np.array([100.0, 50.0, 196.0, 306.0]))
    np.testing.assert_allclose(center, [148.0, 178.0])
    np.testing.assert_allclose(scale, [120.0, 320.0])


def test_aspect_ratio_grows_the_short_side_only():
    # narrow: 120x320 -> width grows to 320 * 0.75 = 240
    np.testing.assert_allclose(fix_aspect_ratio(np.array([120.0, 320.0])), [240.0, 320.0])
    # wide: 375x125 -> height grows to 375 / 0.75 = 500
    np.testing.assert_allclose(fix_aspect_ratio(np.array([375.0, 125.0])), [375.0, 500.0])


def test_warp_maps_region_corners_to_crop_corners():
    center, scale = crop_region(np.array([100.0, 50.0, 196.0, 306.0]))
    m = warp_matrix(center, scale)
    # region: x 28..268, y 18..338; scale 192 / 240 = 0.8
    for src, dst in (((28, 18), (0, 0)), ((148, 178), (96, 128)), ((268, 338), (192, 256))):
        np.testing.assert_allclose(m @ np.array([*src, 1.0]), dst, atol=1e-9)


def test_crop_content_and_zero_outside_the_image():
    frame = np.full((300, 400, 3), 200, dtype=np.uint8)
    crop = crop_person(frame, np.array([0.0, 0.0, 96.0, 256.0]))
    assert crop.shape == (256, 192, 3) and crop.dtype == np.uint8
    # region x -72..168, y -32..288 (s = 0.8): image x = 0 -> crop 57.6, y = 0 -> crop 25.6
    assert (crop[:, :57] == 0).all()
    assert (crop[:25] == 0).all()
    assert (crop[27:, 59:] == 200).all()


def test_crop_keeps_a_marked_pixel_where_the_affine_says():
    frame = np.zeros((400, 400, 3), dtype=np.uint8)
    frame[178, 148] = (255, 0, 0)  # the box centre, red
    crop = crop_person(frame, np.array([100.0, 50.0, 196.0, 306.0]))
    y, x = np.unravel_index(np.argmax(crop[..., 0]), crop.shape[:2])
    assert abs(x - 96) <= 1 and abs(y - 128) <= 1
    assert crop[..., 1:].max() == 0


def test_heatmap_points_back_to_image():
    box = np.array([100.0, 50.0, 196.0, 306.0])
    # heatmap 48x64 spans the 240x320 region: 5 image px per heatmap px
    np.testing.assert_allclose(heatmap_to_image(np.array([24.0, 32.0]), box), [148.0, 178.0])
    np.testing.assert_allclose(heatmap_to_image(np.array([0.0, 0.0]), box), [28.0, 18.0])


def test_udp_maps_the_padded_region_onto_the_heatmap_grid():
    from heatgait.extract.pose.crop import (
        heatmap_to_image_udp,
        image_to_heatmap_udp,
        keypoint_boxes,
    )

    kp = np.array([[[0.0, 0.0, 0.9], [30.0, 80.0, 0.5], [99.0, 99.0, 0.0]]])  # last: missing
    box = keypoint_boxes(kp)
    assert box.tolist() == [[0.0, 0.0, 30.0, 80.0]]
    # centre (15, 40), size (37.5, 100) widened to 3:4 -> (75, 100): edges on the first and
    # last heatmap pixel centres (UDP), the centre on the grid centre
    points = np.array([[[15.0, 40.0], [-22.5, -10.0], [52.5, 90.0]]])
    hm = image_to_heatmap_udp(points, box)
    np.testing.assert_allclose(hm[0], [[23.5, 31.5], [0.0, 0.0], [47.0, 63.0]], atol=1e-12)
    np.testing.assert_allclose(heatmap_to_image_udp(hm, box), points, atol=1e-12)
    assert np.isnan(keypoint_boxes(np.zeros((1, 17, 3)))).all()  # nobody: no box
