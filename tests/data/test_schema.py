"""Heatmap storages: what each keeps of a heatmap, and that the recipe offers exactly them."""

from __future__ import annotations

import typing

import numpy as np
import pytest

from heatgait.config.schema import ExtractConfig, Storage
from heatgait.data.schema import (
    DEFAULT_STORAGE,
    SCHEMA_VERSION,
    SQRT_SCHEMA_VERSION,
    STORAGES,
    decode_heatmaps,
    encode_heatmaps,
    schema_version_for,
)


@pytest.mark.parametrize("storage, tolerance", [("uint8", 0.5 / 255), ("uint8-sqrt", 1 / 255),
                                                ("float16", 2.5e-4)])
def test_round_trip_error_within_the_step(storage: str, tolerance: float) -> None:
    values = np.linspace(0, 1, 100_001, dtype=np.float32)
    stored = encode_heatmaps(values, storage)
    assert stored.dtype == STORAGES[storage]
    back = decode_heatmaps(stored, storage)
    assert back.dtype == np.float32 and back[0] == 0 and back[-1] == 1
    assert np.abs(back - values).max() <= tolerance + 1e-7
    # encoding what was decoded changes nothing: the stored codes are fixed points
    np.testing.assert_array_equal(encode_heatmaps(back, storage), stored)


def test_square_root_curve_keeps_the_faint_shade_that_linear_uint8_erases() -> None:
    faint = np.array([1e-3, 1e-4, 1e-5, 4e-6], dtype=np.float32)  # all below 1/510
    assert not decode_heatmaps(encode_heatmaps(faint, "uint8"), "uint8").any()
    kept = decode_heatmaps(encode_heatmaps(faint, "uint8-sqrt"), "uint8-sqrt")
    assert (kept > 0).all()
    assert np.abs(kept - faint).max() <= 0.5 * faint.max()  # the right order of magnitude
    # the same byte decodes differently by storage: the storage name, not the dtype, decides
    code = encode_heatmaps(np.float32([0.25]), "uint8-sqrt")
    assert code.tolist() == [128]  # round(255 * 0.5)
    assert decode_heatmaps(code, "uint8-sqrt")[0] == np.float32(128 / 255) ** 2
    assert decode_heatmaps(code)[0] == decode_heatmaps(code, "uint8")[0] == np.float32(128 / 255)


def test_float_arrays_never_take_the_square() -> None:
    """Heatmaps regenerated from keypoints are float32 even when the shard is uint8-sqrt."""
    floats = np.float32([0.5, 0.25])
    np.testing.assert_array_equal(decode_heatmaps(floats, "uint8-sqrt"), floats)


def test_recipe_storage_choices_and_defaults_are_the_data_layer_storages() -> None:
    assert set(typing.get_args(Storage)) == set(STORAGES)
    assert ExtractConfig().storage == DEFAULT_STORAGE
    # only the new curve needs a reader that knows it; everything else stays version 1
    assert schema_version_for("uint8") == schema_version_for("float16") == SCHEMA_VERSION
    assert schema_version_for("uint8-sqrt") == SQRT_SCHEMA_VERSION != SCHEMA_VERSION
