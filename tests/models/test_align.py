"""PGHA on hand-built skeletons: known tilts come back upright, thresholds, dtypes, reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from heatgait.models.align import align_heatmaps, spine, target_point
from tests.models.reference_align import align_heatmaps_reference

H, W = 64, 48
# upright COCO-17 skeleton with the neck (shoulder mean) at the target (24, 16)
# fmt: off
UPRIGHT = {
    0: (24, 8), 1: (23, 7), 2: (25, 7), 3: (22, 8), 4: (26, 8),
    5: (20, 16), 6: (28, 16), 7: (19, 24), 8: (29, 24), 9: (19, 31), 10: (29, 31),
    11: (21, 40), 12: (27, 40), 13: (21, 49), 14: (27, 49), 15: (21, 56), 16: (27, 56),
}
# fmt: on
NECK = (24.0, 16.0)


def skeleton(tilt_deg: float = 0.0, shift: tuple[float, float] = (0.0, 0.0)) -> torch.Tensor:
    """[17, H, W] gaussian peaks (sigma 1.5) of UPRIGHT rotated by tilt about the neck, shifted.

    Positive tilt moves the neck to the right of the hip (clockwise on screen, y down).
    """
    a = math.radians(tilt_deg)
    yy, xx = torch.meshgrid(torch.arange(H).float(), torch.arange(W).float(), indexing="ij")
    maps = []
    for j in range(17):
        dx, dy = UPRIGHT[j][0] - NECK[0], UPRIGHT[j][1] - NECK[1]
        # rotate so that a point below the neck (dy > 0) moves left for a positive tilt
        px = NECK[0] + math.cos(a) * dx - math.sin(a) * dy + shift[0]
        py = NECK[1] + math.sin(a) * dx + math.cos(a) * dy + shift[1]
        maps.append(torch.exp(-((xx - px) ** 2 + (yy - py) ** 2) / (2 * 1.5**2)))
    return torch.stack(maps)


def test_tilted_skeleton_comes_back_upright_with_neck_on_target() -> None:
    x = torch.stack([skeleton(20, (3, 2)), skeleton(-30, (-4, 1)), skeleton(45)])
    _, _, valid = spine(x)
    assert valid.all()
    neck_in, hip_in, _ = spine(x)
    assert (neck_in[:, 0] - hip_in[:, 0]).abs().min() > 5  # the input really leans
    out = align_heatmaps(x, gamma=5.0)
    neck, hip, _ = spine(out)
    assert torch.allclose(neck, torch.tensor(NECK).expand(3, 2), atol=1.0)
    assert torch.allclose(hip[:, 0], torch.full((3,), NECK[0]), atol=1.0)  # straight below
    assert torch.allclose(hip[:, 1], torch.full((3,), 40.0), atol=1.0)  # spine length kept


def test_upright_centred_frame_is_untouched_in_eval_under_gamma() -> None:
    x = torch.stack([skeleton(0), skeleton(3)])
    out = align_heatmaps(x, gamma=5.0)
    torch.testing.assert_close(out, x, atol=1e-5, rtol=0)
    # the same 3-degree frame is rotated when gamma is below its angle
    rotated = align_heatmaps(x[1:], gamma=2.0)
    assert (rotated - x[1:]).abs().max() > 0.1


def test_off_centre_subject_is_moved_to_the_target_with_translate_below() -> None:
    centred, shifted = skeleton(0), skeleton(0, (6, 2))
    out = align_heatmaps(shifted[None], gamma=5.0, translate_below=True)[0]
    spine_channels = [5, 6, 11, 12]
    torch.testing.assert_close(out[spine_channels], centred[spine_channels], atol=1e-5, rtol=0)
    # the paper's rule (the default: no PGHA under gamma) leaves it where it is
    kept = align_heatmaps(shifted[None], gamma=5.0)[0]
    torch.testing.assert_close(kept, shifted)


PAPER_RECIPES = ["casia-b", "casia-b++", "casia-b-regenerated", "ccpg", "ccpg++",
                 "ccpg-regenerated", "sustech1k", "sustech1k++"]


@pytest.mark.parametrize("name", PAPER_RECIPES)
def test_paper_recipes_leave_frames_under_gamma_bit_identical_at_eval(name: str) -> None:
    from heatgait.config import load_recipe
    from heatgait.models import build_model

    model = build_model(load_recipe(name).model, num_classes=2).eval()
    assert model.translate_below is False
    # upright and leaning less than gamma, off-centre: the paper leaves all three alone
    x = torch.stack([skeleton(0, (6, 2)), skeleton(model.gamma * 0.6, (-3, 4)),
                     skeleton(-model.gamma * 0.6)])
    out = align_heatmaps(x, model.gamma, model.p_below, model.training, model.generator,
                         translate_below=model.translate_below)
    assert torch.equal(out, x)


def test_translate_below_key_restores_the_earlier_output() -> None:
    from heatgait.config import load_recipe
    from heatgait.models import build_model

    model = build_model(load_recipe("casia-b", ["model.translate_below=true"]).model, 2).eval()
    assert model.translate_below is True
    x = torch.stack([skeleton(0, (6, 2)), skeleton(3, (-3, 4))])
    out = align_heatmaps(x, model.gamma, translate_below=model.translate_below)
    expected = align_heatmaps_reference(x.numpy(), model.gamma, translate_below=True)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-5)
    assert (out - x).abs().max() > 0.1  # they were moved


def test_target_scales_with_map_size() -> None:
    assert target_point(64, 48) == (24.0, 16.0)
    assert target_point(128, 96) == (48.0, 32.0)


def test_training_rotates_under_gamma_with_probability_p_below() -> None:
    x = skeleton(3)[None].repeat(64, 1, 1, 1)
    eval_out = align_heatmaps(x, gamma=5.0, p_below=1.0, training=False)
    torch.testing.assert_close(eval_out, x, atol=1e-5, rtol=0)
    always = align_heatmaps(x, gamma=5.0, p_below=1.0, training=True)
    assert ((always - x).flatten(1).abs().amax(dim=1) > 0.1).all()
    g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    half1 = align_heatmaps(x, 5.0, 0.5, True, g1)
    half2 = align_heatmaps(x, 5.0, 0.5, True, g2)
    torch.testing.assert_close(half1, half2)  # seeded draws repeat
    moved = int(((half1 - x).flatten(1).abs().amax(dim=1) > 0.1).sum())
    assert 16 <= moved <= 48


def test_empty_flat_and_random_frames_give_no_nan() -> None:
    zero = torch.zeros(17, H, W)
    flat = torch.full((17, H, W), 0.3)
    no_hip = skeleton(25)
    no_hip[11] = 0.0
    tilted = skeleton(25)
    x = torch.stack([zero, flat, no_hip, tilted])
    out = align_heatmaps(x, gamma=5.0)
    assert torch.equal(out[:3], x[:3])  # no usable spine: returned unchanged
    assert not torch.equal(out[3], x[3])
    noise = torch.rand(32, 17, H, W, generator=torch.Generator().manual_seed(1))
    assert torch.isfinite(align_heatmaps(noise, gamma=5.0, p_below=0.5, training=True)).all()


def test_matches_float64_reference() -> None:
    noise = torch.rand(2, 17, H, W, generator=torch.Generator().manual_seed(2))
    x = torch.cat([torch.stack([skeleton(17, (2, -1)), skeleton(-40, (5, 3)), skeleton(2)]), noise])
    out = align_heatmaps(x, gamma=5.0)
    ref = align_heatmaps_reference(x.numpy(), gamma=5.0)
    assert np.abs(out.double().numpy() - ref).max() < 1e-4
    assert np.abs(ref - x.double().numpy()).max() > 0.1  # the reference did move frames


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_inputs(dtype: torch.dtype) -> None:
    x = torch.stack([skeleton(20, (3, 2)), skeleton(-10), torch.zeros(17, H, W)])
    out = align_heatmaps(x.to(dtype), gamma=5.0)
    assert out.dtype == dtype and torch.isfinite(out).all()
    expected = align_heatmaps(x.to(dtype).float(), gamma=5.0)
    torch.testing.assert_close(out.float(), expected, atol=1e-2, rtol=0)
    assert (out.float() - x).abs().max() > 0.1


def test_implausible_spine_from_a_swapped_joint_is_left_unchanged() -> None:
    # A hip argmax that landed above the shoulders (a swapped joint) gives a spine far past
    # max_angle: rotating by it would lay an upright body on its side.
    frame = skeleton(0)
    frame[11] = torch.roll(frame[11], shifts=-36, dims=0)  # left hip now above the neck
    frame[12] = torch.roll(frame[12], shifts=-36, dims=0)
    x = torch.stack([frame, skeleton(40, (2, 1))])
    out = align_heatmaps(x, gamma=5.0)
    assert torch.equal(out[0], x[0])
    assert not torch.equal(out[1], x[1])  # a plausible 40 deg lean is still corrected
    np.testing.assert_allclose(align_heatmaps_reference(x.numpy(), 5.0), out.numpy(), atol=1e-4)
