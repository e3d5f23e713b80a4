"""What is installed: versions of the stack, whether mmcv's compiled ops load, the devices.

Used by ``heatgait env`` and written into run folders, so a result says what produced it.
"""

from __future__ import annotations

import importlib
import platform
import sys
from dataclasses import dataclass, field

# (import name, shown name, required?, the fix when missing)
PACKAGES: list[tuple[str, str, bool, str]] = [
    ("torch", "torch", True, "make install (or pip install torch==2.14.1)"),
    ("numpy", "numpy", True, "pip install numpy"),
    ("h5py", "h5py", True, "pip install h5py"),
    ("cv2", "opencv", True, "pip install opencv-python-headless"),
    ("typer", "typer", True, "pip install 'typer<0.30'"),
    ("mmengine", "mmengine", True, "make install (builds the OpenMMLab stack)"),
    ("mmcv", "mmcv", True, "make install (builds mmcv 2.1.0 with ops)"),
    ("mmdet", "mmdet", True, "make install"),
    ("mmpose", "mmpose", True, "make install"),
    ("mmpretrain", "mmpretrain", False, "make install (needed for ViTPose)"),
    ("ai_edge_litert", "ai-edge-litert", False, "pip install ai-edge-litert (for --pose blazepose)"),
]


@dataclass
class EnvReport:
    python: str
    platform: str
    versions: dict[str, str | None] = field(default_factory=dict)
    mmcv_ops: str | None = None  # None: loaded; else the reason they do not
    cuda: str | None = None
    devices: list[str] = field(default_factory=list)
    missing: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, fix, required)

    @property
    def ok(self) -> bool:
        return not any(required for _, _, required in self.missing) and self.mmcv_ops is None


def _version(module_name: str) -> str | None:
    try:
        module = importlib.import_module(module_name)
    except Exception:
        return None
    return str(getattr(module, "__version__", "installed"))


def _mmcv_ops_error() -> str | None:
    try:
        import torch
        from mmcv.ops import nms

        boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 10.0, 10.0]])
        nms(boxes, torch.tensor([0.9, 0.8]), 0.5)
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def collect() -> EnvReport:
    report = EnvReport(python=sys.version.split()[0], platform=platform.platform())
    for module_name, shown, required, fix in PACKAGES:
        version = _version(module_name)
        report.versions[shown] = version
        if version is None:
            report.missing.append((shown, fix, required))
    if report.versions.get("mmcv"):
        report.mmcv_ops = _mmcv_ops_error()
    else:
        report.mmcv_ops = "mmcv not installed"
    if report.versions.get("torch"):
        import torch

        report.cuda = torch.version.cuda if torch.cuda.is_available() else None
        report.devices = ["cpu"] + [f"cuda:{i} {torch.cuda.get_device_name(i)}"
                                    for i in range(torch.cuda.device_count())]
    return report
