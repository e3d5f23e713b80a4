"""The BlazePose model cache: sha256 checks, wheel extraction, the offline error."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from heatgait.errors import HeatgaitError, MissingDependencyError
from heatgait.extract.runtimes import model_cache as mc


@pytest.fixture(scope="module")
def cached() -> dict[str, Path]:
    """The two real model files, fetched with pip into the user cache on first use."""
    return mc.fetch_models()


def test_cached_models_match_recorded_hashes(cached: dict[str, Path]) -> None:
    for model in mc.MODELS:
        path = cached[model.name]
        assert path.stat().st_size > 1_000_000
        assert hashlib.sha256(path.read_bytes()).hexdigest() == model.sha256


def test_tampered_file_is_rejected(cached: dict[str, Path], tmp_path: Path) -> None:
    data = bytearray(cached[mc.POSE_LANDMARK.name].read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / mc.POSE_LANDMARK.name
    bad.write_bytes(bytes(data))
    with pytest.raises(HeatgaitError, match="does not match"):
        mc.verify(bad, mc.POSE_LANDMARK)
    with pytest.raises(HeatgaitError, match="does not match"):
        mc.resolve_model(mc.POSE_LANDMARK, bad)
    # The untouched copy passes through.
    good = tmp_path / "good.tflite"
    good.write_bytes(cached[mc.POSE_LANDMARK.name].read_bytes())
    assert mc.resolve_model(mc.POSE_LANDMARK, good) == good


def _wheel(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_extract_from_wheel_writes_verified_files(cached: dict[str, Path], tmp_path: Path) -> None:
    wheel = _wheel(tmp_path / "mediapipe-0.10.21-test.whl",
                   {m.member: cached[m.name].read_bytes() for m in mc.MODELS})
    dest = tmp_path / "cache"
    paths = mc.fetch_models(dest, wheel=wheel)
    assert sorted(p.name for p in dest.iterdir()) == sorted(m.name for m in mc.MODELS)
    for model in mc.MODELS:
        assert paths[model.name].read_bytes() == cached[model.name].read_bytes()


def test_extract_from_wheel_rejects_wrong_or_missing_members(tmp_path: Path) -> None:
    wrong = _wheel(tmp_path / "wrong.whl", {m.member: b"not a model" for m in mc.MODELS})
    with pytest.raises(HeatgaitError, match="expected"):
        mc.extract_from_wheel(wrong, tmp_path / "a")
    assert not (tmp_path / "a" / mc.POSE_LANDMARK.name).exists()
    empty = _wheel(tmp_path / "empty.whl", {"mediapipe/__init__.py": b""})
    with pytest.raises(HeatgaitError, match="has no"):
        mc.extract_from_wheel(empty, tmp_path / "b")


def test_cache_dir_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(mc.CACHE_ENV, str(tmp_path / "models"))
    assert mc.cache_dir() == tmp_path / "models"
    monkeypatch.delenv(mc.CACHE_ENV)
    assert mc.cache_dir() == Path.home() / ".cache" / "heatgait" / "models"


def test_offline_fetch_names_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A pip that can reach no index: no config file, no index, an empty find-links folder.
    (tmp_path / "links").mkdir()
    for key in [k for k in os.environ if k.startswith("PIP_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "links"))
    monkeypatch.setenv(mc.CACHE_ENV, str(tmp_path / "cache"))
    with pytest.raises(MissingDependencyError) as err:
        mc.fetch_models()
    message = str(err.value)
    assert "\n" not in message
    assert "mediapipe==0.10.21" in message and str(tmp_path / "cache") in message
