"""What is installed: versions of the stack, whether mmcv's compiled ops load (and on which
devices), and the devices torch sees. Used by ``heatgait env`` and by stage 1 to refuse, before
any work, a CUDA run that mmcv's CPU-only ops could not serve.

Required packages are those every command needs; the OpenMMLab stack is optional (only
``--pose hrnet|vitpose`` and ``--det rtmdet-*`` use it) and so is LiteRT (``--pose blazepose``).
"""

from __future__ import annotations

import importlib
import platform
import sys
from dataclasses import dataclass, field

# (import name, shown name, required?, what it is for / the fix when missing)
PACKAGES: list[tuple[str, str, bool, str]] = [
    ("torch", "torch", True, "make install (or pip install torch==2.14.1)"),
    ("numpy", "numpy", True, "pip install numpy"),
    ("h5py", "h5py", True, "pip install h5py"),
    ("cv2", "opencv", True, "pip install opencv-python-headless"),
    ("typer", "typer", True, "pip install 'typer<0.30'"),
    ("yaml", "pyyaml", True, "pip install pyyaml"),
    ("mmengine", "mmengine", False, "make install (the OpenMMLab stack: --pose hrnet/vitpose)"),
    ("mmcv", "mmcv", False, "make install (builds mmcv 2.1.0 with ops)"),
    ("mmdet", "mmdet", False, "make install (--det rtmdet-person)"),
    ("mmpose", "mmpose", False, "make install (--pose hrnet/vitpose)"),
    ("mmpretrain", "mmpretrain", False, "make install (ViTPose's backbone)"),
    ("ai_edge_litert", "ai-edge-litert", False, "pip install ai-edge-litert (--pose blazepose)"),
]
CUDA_OPS_FIX = ("rebuild mmcv with CUDA ops on this machine: make install (with a GPU visible "
                "and nvcc on PATH, or FORCE_CUDA=1), or extract with --device cpu")


@dataclass
class EnvReport:
    python: str
    platform: str
    versions: dict[str, str | None] = field(default_factory=dict)
    mmcv_ops: str | None = None  # None: the CPU ops load and run; else the reason they do not
    mmcv_cuda: str = "n/a"  # "yes", "no (built without CUDA)", "not checked (no GPU)", ...
    cuda: str | None = None
    devices: list[str] = field(default_factory=list)
    missing: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, fix, required)

    @property
    def ok(self) -> bool:
        """Every required package is there, and mmcv's ops work where mmcv is installed."""
        mm_broken = self.versions.get("mmcv") is not None and self.mmcv_ops is not None
        return not any(required for _, _, required in self.missing) and not mm_broken


def _version(module_name: str) -> str | None:
    try:
        module = importlib.import_module(module_name)
    except Exception:
        return None
    return str(getattr(module, "__version__", "installed"))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _run_nms(device: str) -> None:
    import torch
    from mmcv.ops import nms

    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 10.0, 10.0]], device=device)
    nms(boxes, torch.tensor([0.9, 0.8], device=device), 0.5)


def mmcv_ops_error() -> str | None:
    """None when mmcv's compiled ops run on the CPU, else why not."""
    try:
        _run_nms("cpu")
    except Exception as exc:
        return _first_line(exc)
    return None


def mmcv_cuda_compiled() -> bool:
    """Whether mmcv's ops were compiled with CUDA (False also when mmcv is missing)."""
    try:
        from mmcv.ops import get_compiling_cuda_version

        return get_compiling_cuda_version() not in ("", "not available")
    except Exception:
        return False


def mmcv_cuda_status() -> str:
    """Whether mmcv's ops run on CUDA here: yes / no (and why) / not checked (no GPU)."""
    import torch

    if not mmcv_cuda_compiled():
        return "no (mmcv built without CUDA ops)"
    if not torch.cuda.is_available():
        return "built with CUDA; not checked (no GPU visible)"
    try:
        _run_nms("cuda")
    except Exception as exc:
        return f"no ({_first_line(exc)})"
    return "yes"


def collect() -> EnvReport:
    report = EnvReport(python=sys.version.split()[0], platform=platform.platform())
    for module_name, shown, required, fix in PACKAGES:
        version = _version(module_name)
        report.versions[shown] = version
        if version is None:
            report.missing.append((shown, fix, required))
    if report.versions.get("mmcv"):
        report.mmcv_ops = mmcv_ops_error()
        report.mmcv_cuda = mmcv_cuda_status() if report.mmcv_ops is None else "no"
    else:
        report.mmcv_ops = "mmcv not installed"
    if report.versions.get("torch"):
        import torch

        report.cuda = torch.version.cuda if torch.cuda.is_available() else None
        report.devices = ["cpu"] + [f"cuda:{i} {torch.cuda.get_device_name(i)}"
                                    for i in range(torch.cuda.device_count())]
    return report
