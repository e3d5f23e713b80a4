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

VERBOSE_FLAGS = ("--verbose", "-v")
THIRD_PARTY_LOGGERS = ("mmengine", "mmcv", "mmdet", "mmpose", "mmpretrain", "py.warnings")


def debug_requested() -> bool:
    return os.environ.get("HEATGAIT_DEBUG", "") not in ("", "0")


def take_verbose_flag(argv: list[str]) -> tuple[list[str], bool]:
    """``--verbose`` / ``-v`` anywhere before ``--`` -> (argv without it, True)."""
    end = argv.index("--") if "--" in argv else len(argv)
    kept = [a for a in argv[:end] if a not in VERBOSE_FLAGS] + argv[end:]
    return kept, len(kept) != len(argv)


def quiet_third_party() -> None:
    """Hide third-party warnings and log lines below ERROR for the rest of the process.

    Environment variables are inherited by DataLoader workers and torchrun children, so
    they are quiet too.
    """
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow Lite / LiteRT C++ logs
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"heatgait(\..*)?$")
    for name in THIRD_PARTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
