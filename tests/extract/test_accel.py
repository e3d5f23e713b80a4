"""Pose precision and batch size: the recipe key, the refusals, fp16/bf16 against fp32 heatmaps
of a random-init HRNet, and batch_from_memory on hand-computed cases."""

import numpy as np
import pytest

from heatgait.config import ExtractConfig, Recipe, apply_override
from heatgait.config.loading import recipe_from_dict
from heatgait.errors import ConfigError, UsageError
from heatgait.extract.pose.accel import (
    DEFAULT_BATCH,
    autocast_works,
    batch_from_memory,
    batch_sizes,
    resolve_precision,
)
from heatgait.extract.pose.backends import build_pose

MIB, GIB = 2**20, 2**30


def test_recipe_key_loads_and_rejects_bad_values():
    assert ExtractConfig().precision == "auto"
    assert recipe_from_dict({"extract": {"precision": "bf16"}}).extract.precision == "bf16"
    with pytest.raises(ConfigError, match=r"extract.precision 'fp8' is not one of auto, fp32"):
        recipe_from_dict({"extract": {"precision": "fp8"}})
    recipe = Recipe(name="x")
    apply_override(recipe, "extract.precision=fp16")
    assert recipe.extract.precision == "fp16"
    with pytest.raises(ConfigError, match="--set extract.precision=half"):
        apply_override(recipe, "extract.precision=half")
    assert recipe.extract.precision == "fp16"  # a rejected override leaves the old value


def test_resolve_precision():
    assert resolve_precision("auto", "cpu") == "fp32"
    assert resolve_precision("auto", "cuda") == "fp16"
    assert resolve_precision("fp32", "cpu") == "fp32"
    assert resolve_precision("bf16", "cpu") == "bf16"  # CPU autocast has bfloat16
    if autocast_works("cpu", "fp16"):  # torch >= 2.4 has float16 CPU autocast
        assert resolve_precision("fp16", "cpu") == "fp16"
    else:
        with pytest.raises(UsageError, match="--precision fp16: torch here has no fp16"):
            resolve_precision("fp16", "cpu")
    with pytest.raises(UsageError, match="unknown --precision 'half'; use one of auto"):
        resolve_precision("half", "cpu")


@pytest.mark.parametrize("precision", ["fp16", "bf16"])
def test_blazepose_refuses_a_lower_precision_in_one_line(precision):
    with pytest.raises(UsageError) as info:
        build_pose("blazepose", precision=precision)
    message = str(info.value)
    assert message.startswith(f"--precision {precision}: --pose blazepose (LiteRT)")
    assert "use --precision auto" in message and "\n" not in message


def test_blazepose_takes_auto_and_fp32():
    for precision in ("auto", "fp32"):
        pose = build_pose("blazepose", precision=precision)
        assert pose.name == "blazepose"
    assert batch_sizes(0, pose) == (DEFAULT_BATCH, DEFAULT_BATCH)  # no auto_batch: the default


def test_batch_from_memory_by_hand():
    # 10 GiB free, 25 % kept: 7680 MiB / 100 MiB = 76.8 -> 76 -> a multiple of 8: 72
    assert batch_from_memory(10 * GIB, 100 * MIB) == 72
    assert batch_from_memory(800, 100, headroom=0.0) == 8  # exactly 8 fit
    assert batch_from_memory(500 * MIB, 100 * MIB) == 3  # 375 / 100 = 3.75; under 8: no rounding
    assert batch_from_memory(10 * MIB, 100 * MIB) == 1  # nothing fits: lo
    assert batch_from_memory(10 * MIB, 100 * MIB, lo=2) == 2
    assert batch_from_memory(1000 * GIB, MIB) == 512  # capped at hi
    assert batch_from_memory(1000 * GIB, MIB, hi=100, multiple=1) == 100
    assert batch_from_memory(GIB, 0.0) == 512  # nothing measured: hi
    assert batch_from_memory(-5, MIB) == 1  # a negative report counts as none free
    # 6 GiB free, half kept, 48 MiB a crop: 3072 / 48 = 64 exactly
    assert batch_from_memory(6 * GIB, 48 * MIB, headroom=0.5) == 64


def test_batch_sizes():
    assert batch_sizes(16, None) == (16, 16)
    assert batch_sizes(5, None) == (5, 5)
    with pytest.raises(UsageError, match="--batch-size -1: give a positive number, or 0"):
        batch_sizes(-1, None)


@pytest.mark.mm
@pytest.mark.slow
def test_hrnet_half_precisions_are_close_to_fp32(vtest_frames):
    import torch

    from heatgait.extract.pose.crop import crop_people

    torch.manual_seed(0)
    fp32 = build_pose("hrnet", random_init=True, precision="fp32")
    assert fp32.precision == "fp32" and fp32.auto_batch() == DEFAULT_BATCH  # CPU: default
    crops = crop_people(vtest_frames[:2], np.array([[470, 150, 598, 342]] * 2, float), 1.25)
    reference = fp32.heatmaps(crops).numpy()  # [2, 17, 64, 48]
    scale = float(np.abs(reference).max())
    # measured on the CPU (torch 2.14, random init, flip test): bf16 max |diff| 2.1 % of the
    # largest fp32 value, fp16 0.3 %
    tolerance = {"bf16": 0.05, "fp16": 0.01}
    precisions = ["bf16"] + (["fp16"] if autocast_works("cpu", "fp16") else [])
    for precision in precisions:
        half = build_pose("hrnet", random_init=True, precision=precision)
        half.model.load_state_dict(fp32.model.state_dict())
        assert half.precision == precision
        out = half.heatmaps(crops)
        assert out.dtype == torch.float32
        diff = float(np.abs(out.numpy() - reference).max())
        assert 0 < diff <= tolerance[precision] * scale, (precision, diff / scale)
        heatmaps, keypoints = half(crops[:1])
        assert heatmaps.dtype == np.float32 and keypoints.dtype == np.float32


def test_extract_checks_the_precision_flag_first(tmp_path):
    from heatgait.extract.job.extract import extract_videos

    with pytest.raises(ConfigError, match="unknown --precision 'fp64'; use one of auto, fp32"):
        extract_videos([tmp_path], tmp_path / "out", precision="fp64")
    with pytest.raises(UsageError, match="--precision bf16: --pose blazepose"):
        extract_videos([tmp_path], tmp_path / "out", pose="blazepose", precision="bf16")


def test_cli_precision_flag_errors_are_one_line(tmp_path, capsys):
    from heatgait.cli.app import main
    from tests.footage import require_vtest

    video = str(require_vtest())
    assert main(["extract", video, "--pose", "blazepose", "--precision", "fp16",
                 "--out", str(tmp_path / "a")]) == 2
    error = capsys.readouterr().err.strip()
    assert "--precision fp16" in error and "--precision auto" in error and "\n" not in error
    assert main(["extract", video, "--precision", "half", "--out", str(tmp_path / "b")]) == 2
    assert "half" in capsys.readouterr().err
    assert not list(tmp_path.glob("*/*.h5"))  # refused before any work
