"""What every benchmark script shares: a machine description and one result-line format.

Each ``bench_*.py`` prints human-readable lines and, for each headline number, one line
``RESULT {"name": ..., "value": ..., "unit": ..., "reference": ..., "ratio": ...}`` that
``run_all.py`` collects into one table.
"""

from __future__ import annotations

import json
import os
import platform


def machine() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} "
            f"({torch.get_num_threads()} threads), {gpu}")


def report(name: str, value: float, unit: str, reference: float | None = None,
           reference_name: str = "", higher_is_better: bool = True) -> None:
    """Prints one headline number; ratio is always 'how many times better than the reference'."""
    ratio = None
    if reference:
        ratio = value / reference if higher_is_better else reference / value
    print("RESULT " + json.dumps({"name": name, "value": round(value, 4), "unit": unit,
                                  "reference": reference, "reference_name": reference_name,
                                  "ratio": None if ratio is None else round(ratio, 3)}),
          flush=True)
