"""Runs every benchmark script and prints one table of headline numbers with ratios.

    python benchmarks/run_all.py [--only extract,storage] [--timeout 1800]

Each script runs in its own process (fresh memory figures); its full output is kept in
``benchmarks/last_run/<name>.log``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["extract", "storage", "loader", "model", "eval", "regenerate", "synth_baseline",
         "tracking", "identify", "stream"]
# Sizes that finish in minutes on a 2-core CPU; --full runs each script at its own defaults
# (the paper's 8 x 8 x 30-frame batch for the model: a GPU's job).
CPU_ARGS = {
    "extract": ["--frames", "16"],
    "model": ["--sequences", "2", "--frames", "30", "--iters", "2"],
    "synth_baseline": ["--subjects", "50", "--frames", "20,30"],
    "tracking": ["--seeds", "5"],
    "identify": ["--sizes", "10000", "--queries", "1000", "--strangers", "300"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated names, e.g. storage,eval")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per script")
    parser.add_argument("--full", action="store_true", help="each script at its full defaults")
    args = parser.parse_args()
    wanted = [n for n in args.only.split(",") if n] or ORDER
    logs = HERE / "last_run"
    logs.mkdir(exist_ok=True)
    sys.path.insert(0, str(HERE))
    from common import machine

    print(f"machine: {machine()}")
    rows: list[dict] = []
    failed: list[str] = []
    for name in wanted:
        script = HERE / f"bench_{name}.py"
        if not script.exists():
            print(f"{name}: no script {script.name}")
            failed.append(name)
            continue
        start = time.perf_counter()
        extra = [] if args.full else CPU_ARGS.get(name, [])
        proc = subprocess.run([sys.executable, str(script), *extra], capture_output=True, check=False,
                              text=True, timeout=args.timeout, cwd=HERE.parent)
        (logs / f"{name}.log").write_text(proc.stdout + proc.stderr)
        took = time.perf_counter() - start
        found = [json.loads(line[len("RESULT "):]) for line in proc.stdout.splitlines()
                 if line.startswith("RESULT ")]
        print(f"{name}: {'ok' if proc.returncode == 0 else 'FAILED'} in {took:.0f} s, "
              f"{len(found)} results (log: benchmarks/last_run/{name}.log)")
        if proc.returncode != 0:
            failed.append(name)
        rows += found
    print()
    print(f"{'benchmark':<44} {'value':>12} {'unit':<14} {'reference':>12} {'ratio':>7}")
    for row in rows:
        ref = "" if row["reference"] is None else f"{row['reference']:.4g}"
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        print(f"{row['name']:<44} {row['value']:>12.4g} {row['unit']:<14} {ref:>12} {ratio:>7}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
