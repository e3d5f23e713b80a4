#!/usr/bin/env bash
# The prepared GPU check: run it once on a lent GPU machine (sized for < 8 minutes on an
# H200-class GPU, no registry access needed) and keep the JSON it writes.
#
#   bash benchmarks/gpu_check.sh [--out gpu_check.json] [--budget 400] [--only env,train]
#   bash benchmarks/gpu_check.sh --smoke --out /tmp/smoke.json      # CPU, toy sizes (tests)
#
# Needs only python3 with torch, numpy, h5py, tqdm and typer (pyyaml optional). It installs
# this checkout with `pip install --no-deps --no-build-isolation -e .` unless python already
# imports heatgait from here; if that install fails, the check runs from the source tree
# (PYTHONPATH) and the JSON says so. What each stage measures: benchmarks/gpu_check.py.
# PYTHON=... picks the interpreter (default python3).
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo" || exit 1
python="${PYTHON:-python3}"

here="$("$python" -c 'import heatgait, os; print(os.path.dirname(os.path.dirname(os.path.abspath(heatgait.__file__))))' 2>/dev/null || true)"
if [[ "$here" == "$repo" ]] && "$python" -c 'import heatgait.cli' 2>/dev/null; then
    install="already installed from this checkout"
else
    log="$(mktemp)"
    if timeout 60 "$python" -m pip install --no-deps --no-build-isolation -q -e . >"$log" 2>&1; then
        install="pip install --no-deps --no-build-isolation -e . (ok)"
    else
        install="pip install failed ($(tail -n 1 "$log" | cut -c1-200)); running from the source tree"
        export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
    fi
    rm -f "$log"
fi
echo "[gpu_check] heatgait: $install"
export HEATGAIT_GPU_CHECK_INSTALL="$install"
exec "$python" -m benchmarks.gpu_check "$@"
