#!/usr/bin/env bash
# Installs heatgait and the OpenMMLab stack into a virtual environment, handling every
# known quirk of the stack on Python 3.11 + torch 2.14 (see README, "Installing").
# Idempotent: a second run on the same machine reuses the cached mmcv wheel and the
# stamp file skips everything when nothing changed.
#
#   scripts/install.sh [VENV]      (default: .venv)
#   HEATGAIT_CACHE=...             where built wheels and model files are kept
#   HEATGAIT_NO_MM=1               core only (torch, h5py, ...), no OpenMMLab stack
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-$repo/.venv}"
python="${PYTHON:-python3}"
cache="${HEATGAIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/heatgait}"
constraints="$repo/constraints.txt"
mmcv_version="2.1.0"
torch_version="2.14.1"

log() { printf '[install] %s\n' "$*" >&2; }

stamp_inputs() { cat "$constraints" "$repo/pyproject.toml" "$repo/scripts/install.sh"; }
stamp_value="$(stamp_inputs | sha256sum | cut -d' ' -f1)-mm${HEATGAIT_NO_MM:-0}"
stamp="$venv/.heatgait-install-stamp"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$stamp_value" ]]; then
    log "up to date ($venv)"
    exit 0
fi

if [[ ! -x "$venv/bin/python" ]]; then
    log "creating $venv"
    "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
pyver="$("$venv/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"

# 1. setuptools < 81 still has pkg_resources, which mmengine and mmcv's build import.
log "build tools"
"${pip[@]}" install -U "pip" "setuptools>=77,<81" wheel
pipc=("${pip[@]}" install -c "$constraints")

# 2. torch + torchvision, fixed for every later step by the constraints file.
log "torch $torch_version"
"${pipc[@]}" torch torchvision

# 3. core dependencies and mmengine.
log "core dependencies"
"${pipc[@]}" numpy opencv-python-headless mmengine

if [[ "${HEATGAIT_NO_MM:-0}" != "1" ]]; then
    # 4. mmcv with compiled ops: PyPI has only the source for this platform, and torch's
    #    headers need C++20 where mmcv's setup.py asks for C++14/17.
    wheel_dir="$cache/wheels/mmcv-$mmcv_version-torch$torch_version-$pyver-$(uname -m)"
    if ! ls "$wheel_dir"/mmcv-*.whl >/dev/null 2>&1; then
        log "building mmcv $mmcv_version with ops (about 13 min on 2 cores, once per machine)"
        build="$(mktemp -d)"
        trap 'rm -rf "$build"' EXIT
        "${pip[@]}" download --no-deps --no-binary :all: --no-build-isolation \
            "mmcv==$mmcv_version" -d "$build"
        tar -xzf "$build"/mmcv-*.tar.gz -C "$build"
        src="$(find "$build" -maxdepth 1 -type d -name 'mmcv-*' | head -n1)"
        sed -i -E 's/-std=c\+\+1[47]/-std=c++20/g' "$src/setup.py"
        mkdir -p "$wheel_dir"
        (cd "$src" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
            "$venv/bin/python" -m pip wheel -q --no-deps --no-build-isolation . -w "$wheel_dir.tmp")
        mv "$wheel_dir.tmp"/mmcv-*.whl "$wheel_dir"/ && rm -rf "$wheel_dir.tmp"
    else
        log "reusing cached mmcv wheel from $wheel_dir"
    fi
    "${pipc[@]}" --no-deps "$wheel_dir"/mmcv-*.whl
    "${pipc[@]}" addict packaging pyyaml yapf rich termcolor

    # 5. chumpy fails in an isolated build; xtcocotools' binary wheel breaks under numpy 2.
    #    Both build in this venv, so their build tools (cython for xtcocotools' _mask.pyx)
    #    must be here first.
    log "chumpy, xtcocotools"
    "${pipc[@]}" cython
    "${pipc[@]}" --no-build-isolation chumpy
    "${pipc[@]}" --no-binary xtcocotools --no-build-isolation xtcocotools

    # 6. detection, pose, and mmpretrain (ViTPose's backbone).
    log "mmdet, mmpose, mmpretrain"
    "${pipc[@]}" mmdet mmpose mmpretrain
fi

# 7. heatgait itself, editable, with the test tools.
log "heatgait"
"${pipc[@]}" -e "$repo[dev]"

echo "$stamp_value" > "$stamp"
log "done: $venv"
