"""Fetch the two BlazePose TFLite models into a local cache and check them.

Pretrained mmpose/mmdet weights need a model hub; the BlazePose models need only a package
registry: they ship inside the PyPI wheel ``mediapipe==0.10.21`` (Apache-2.0; later releases
carry no models). The wheel is downloaded with pip (never installed: it pins numpy<2), the two
files are extracted, checked against the sha256 recorded here, and written durably
(``heatgait.fileio``) into
``$HEATGAIT_CACHE`` (default ``~/.cache/heatgait/models``).

``make models`` (``python -m heatgait.cli.fetch_models``) fills the cache ahead of time.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from heatgait import fileio
from heatgait.errors import HeatgaitError, MissingDependencyError

MEDIAPIPE_WHEEL = "mediapipe==0.10.21"
CACHE_ENV = "HEATGAIT_CACHE"


@dataclass(frozen=True)
class ModelFile:
    """One model inside the mediapipe wheel: where it lies there and what it must hash to."""

    name: str
    member: str
    sha256: str


POSE_LANDMARK = ModelFile(
    name="pose_landmark_full.tflite",
    member="mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
    sha256="e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
)
POSE_DETECTION = ModelFile(
    name="pose_detection.tflite",
    member="mediapipe/modules/pose_detection/pose_detection.tflite",
    sha256="9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
)
MODELS = (POSE_LANDMARK, POSE_DETECTION)


def cache_dir() -> Path:
    """The model cache folder: ``$HEATGAIT_CACHE`` if set, else ``~/.cache/heatgait/models``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "heatgait" / "models"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, model: ModelFile) -> None:
    """Raise HeatgaitError when ``path`` does not hash to the recorded sha256 of ``model``."""
    actual = sha256_file(path)
    if actual != model.sha256:
        raise HeatgaitError(
            f"{path}: sha256 {actual[:12]}... does not match {model.name} "
            f"({model.sha256[:12]}...); delete it and run `make models`"
        )


def extract_from_wheel(wheel: Path, dest_dir: Path, models: tuple[ModelFile, ...] = MODELS) -> None:
    """Copy ``models`` out of a mediapipe wheel into ``dest_dir``, checking each sha256 first."""
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        for model in models:
            if model.member not in names:
                raise HeatgaitError(
                    f"{wheel.name}: has no {model.member}; use the wheel of {MEDIAPIPE_WHEEL}"
                )
            data = zf.read(model.member)
            actual = hashlib.sha256(data).hexdigest()
            if actual != model.sha256:
                raise HeatgaitError(
                    f"{wheel.name}: {model.member} has sha256 {actual[:12]}..., expected "
                    f"{model.sha256[:12]}...; use the wheel of {MEDIAPIPE_WHEEL}"
                )
            fileio.write_bytes(dest_dir / model.name, data)


def download_wheel(dest: Path) -> Path:
    """Download the mediapipe wheel with pip (no install, no dependencies) into ``dest``."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", MEDIAPIPE_WHEEL,
           "-d", str(dest)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise MissingDependencyError(f"cannot run pip to fetch {MEDIAPIPE_WHEEL}: {exc}") from exc
    wheels = sorted(dest.glob("mediapipe-*.whl"))
    if proc.returncode != 0 or not wheels:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise MissingDependencyError(
            f"could not download {MEDIAPIPE_WHEEL} with pip ({last}); connect to PyPI, or put "
            f"{' and '.join(m.name for m in MODELS)} into {cache_dir()} (or ${CACHE_ENV})"
        )
    return wheels[0]


def fetch_models(dest_dir: Path | None = None, wheel: Path | None = None) -> dict[str, Path]:
    """Make sure both models are in the cache and verified; download the wheel only if needed.

    Returns the model file name -> cached path. ``wheel`` reuses an already downloaded wheel.
    """
    dest_dir = cache_dir() if dest_dir is None else Path(dest_dir)
    missing = [m for m in MODELS if not (dest_dir / m.name).is_file()]
    if missing:
        if wheel is not None:
            extract_from_wheel(Path(wheel), dest_dir, tuple(missing))
        else:
            with tempfile.TemporaryDirectory(prefix="heatgait-wheel-") as tmp:
                extract_from_wheel(download_wheel(Path(tmp)), dest_dir, tuple(missing))
    for model in MODELS:
        verify(dest_dir / model.name, model)
    return {m.name: dest_dir / m.name for m in MODELS}


def resolve_model(model: ModelFile, explicit: str | os.PathLike | None = None) -> Path:
    """Path to a verified model: ``explicit`` if given (checked), else the cache, fetched if absent."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise HeatgaitError(f"{path}: model file not found; pass an existing {model.name}")
        verify(path, model)
        return path
    return fetch_models()[model.name]
