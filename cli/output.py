"""What reaches the terminal: heatgait's own lines, progress bars and summaries.

Third-party stacks are loud on import and on model building (setuptools' pkg_resources
deprecation, torch.cuda.amp FutureWarnings from mmengine/mmcv, mmdet's "checkpoint is None",
mmengine's init banners, LiteRT's "Created TensorFlow Lite XNNPACK delegate" INFO line). A
newcomer cannot tell those from heatgait's messages, so they are hidden unless the user asks
for them with ``--verbose`` or ``HEATGAIT_DEBUG=1``.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

VERBOSE_FLAGS = ("--verbose", "-v")


def debug_requested() -> bool:
    return os.environ.get("HEATGAIT_DEBUG", "") not in ("", "0")


def take_verbose_flag(argv: list[str]) -> tuple[list[str], bool]:
    """``--verbose`` / ``-v`` anywhere before ``--`` -> (argv without it, True)."""
    end = argv.index("--") if "--" in argv else len(argv)
    kept = [a for a in argv[:end] if a not in VERBOSE_FLAGS] + argv[end:]
    return kept, len(kept) != len(argv)


def _own_folders() -> tuple[Path, ...]:
    import heatgait

    return (Path(heatgait.__file__).resolve().parent, Path(__file__).resolve().parent)


def _heatgait_warnings_only(show):
    if getattr(show, "heatgait_only", False):
        return show
    own = _own_folders()

    def filtered(message, category, filename, lineno, file=None, line=None):
        if any(Path(filename).resolve().is_relative_to(folder) for folder in own):
            show(message, category, filename, lineno, file, line)

    filtered.heatgait_only = True
    return filtered


def quiet_third_party() -> None:
    """Hide third-party warnings and log lines below ERROR for the rest of the process.

    Environment variables are inherited by DataLoader workers and torchrun children, so
    they are quiet too.
    """
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow C++ logs
    os.environ["HEATGAIT_QUIET"] = "1"  # LiteRT's delegate line (heatgait.extract.runtimes.litert)
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"heatgait(\..*)?$")
    # mmdet and mmpose reset the filters (warnings.simplefilter("once")) while building models,
    # so the display itself keeps only heatgait's own warnings
    warnings.showwarning = _heatgait_warnings_only(warnings.showwarning)
    # mmengine's MMLogger instances bypass logging.getLogger, but not the manager's switch
    logging.disable(logging.WARNING)
