"""The OpenMMLab side of stage 1: config files shipped in the mmpose/mmdet wheels (``.mim``),
their checkpoints (a path, or the URL their metafile lists) and the missing-stack message.

Shared by the mmpose pose model (``extract.pose.mmpose``) and the mmdet person detector
(``extract.detection.mmdet``), so neither imports the other.
"""

from __future__ import annotations

from importlib import util as importlib_util
from pathlib import Path
from typing import Any

from heatgait.errors import HeatgaitError, MissingDependencyError, UsageError


def is_config_path(name: str) -> bool:
    """Whether a ``--pose``/``--det`` choice is a path to a model config rather than a name."""
    return name.endswith(".py") or Path(name).is_file()


def require(package: str) -> None:
    if importlib_util.find_spec(package) is None:
        raise MissingDependencyError(
            f"{package} is not installed; install the OpenMMLab stack (make install) or use "
            "--pose blazepose --det blazepose")


def packaged_config(package: str, relative: str) -> Path:
    """Path of a config file shipped in an OpenMMLab wheel's ``.mim`` folder."""
    require(package)
    root = Path(importlib_util.find_spec(package).origin).parent / ".mim"
    path = root / relative
    if not path.is_file():
        raise MissingDependencyError(f"{package} has no {relative}; reinstall {package}")
    return path


def metafile_weights(config: Path) -> str | None:
    """The checkpoint URL that the package's metafiles (``*.yml`` beside the config) list."""
    import yaml

    for meta in sorted(config.parent.glob("*.yml")):
        data = yaml.safe_load(meta.read_text()) or {}
        for model in data.get("Models", []) if isinstance(data, dict) else []:
            if str(model.get("Config", "")).endswith(config.name) and model.get("Weights"):
                return str(model["Weights"])
    return None


def load_weights(model: Any, weights: str | None, fallback: str | None, flag: str,
                  what: str) -> None:
    """Loads ``weights`` (a path) or downloads ``fallback``; one-line error when neither works."""
    from mmengine.runner import load_checkpoint

    source = weights or fallback
    if source is None:
        raise HeatgaitError(f"no known weights for {what}; give {flag} PATH")
    if weights and not Path(weights).is_file():
        raise UsageError(f"{flag} {weights}: no such file")
    try:
        load_checkpoint(model, source, map_location="cpu", logger="silent")
    except (OSError, RuntimeError) as exc:  # URLError is an OSError
        if weights:
            raise HeatgaitError(f"{flag} {weights}: cannot load ({exc})") from exc
        raise HeatgaitError(
            f"cannot download the {what} weights ({type(exc).__name__}); offline, give "
            f"{flag} PATH, or use --pose blazepose --det blazepose") from exc


def export_graph(net: Any, mean: list[float], std: list[float], part: str) -> Any:
    """``net`` (an mmpose or mmdet model, its parameters registered) behind the normalisation
    its data preprocessor applies; ``part`` picks what is kept of its forward."""
    import torch

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net
            self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
            self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))

        def forward(self, x: torch.Tensor) -> Any:
            feats = self.net.extract_feat((x - self.mean) / self.std)
            if part == "pose":
                return self.net.head.forward(feats)
            scores, boxes = self.net.bbox_head.forward(feats)[:2]
            return (*scores, *boxes)

    return Graph().eval()
