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
venv_arg="${1:-$repo/.venv}"
# An absolute path: later steps run inside other folders (the mmcv build runs in its source
# tree), so a relative venv would point somewhere else there.
mkdir -p "$(dirname -- "$venv_arg")"
venv="$(cd "$(dirname -- "$venv_arg")" && pwd)/$(basename -- "$venv_arg")"
python="${PYTHON:-python3}"
cache="${HEATGAIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/heatgait}"
constraints="$repo/constraints.txt"
mmcv_version="2.1.0"
torch_version="2.14.1"

log() { printf '[install] %s\n' "$*" >&2; }

stamp_inputs() { cat "$constraints" "$repo/pyproject.toml" "$repo/scripts/install.sh"; }
stamp_value="$(stamp_inputs | sha256sum | cut -d' ' -f1)-mm${HEATGAIT_NO_MM:-0}-cuda${FORCE_CUDA:-auto}"
stamp="$venv/.heatgait-install-stamp"

# One install at a time into a venv: a second `make test` in the same checkout waits here
# instead of running pip over a half-built venv.
mkdir -p "$venv"
exec 9>"$venv/.heatgait-install.lock"
if ! flock -n 9; then
    log "another install into $venv is running; waiting for it"
    flock 9
fi

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
    #    CUDA ops are built where torch sees a GPU and nvcc is on the machine (or with
    #    FORCE_CUDA=1, as the Docker image sets); FORCE_CUDA=0 forces CPU-only ops.
    cuda_tag="$("$venv/bin/python" -c 'import torch; print(torch.version.cuda or "", int(torch.cuda.is_available()))')"
    torch_cuda="${cuda_tag% *}"
    gpu_seen="${cuda_tag#* }"
    if [[ "${FORCE_CUDA:-}" == "1" ]]; then
        with_cuda=1
    elif [[ "${FORCE_CUDA:-}" == "0" ]]; then
        with_cuda=0
    elif [[ "$gpu_seen" == "1" && -n "$torch_cuda" ]] && command -v nvcc >/dev/null; then
        with_cuda=1
    else
        with_cuda=0
        if [[ "$gpu_seen" == "1" ]]; then
            log "a GPU is visible but nvcc is not on PATH: mmcv ops will run on the CPU only"
        fi
    fi
    if [[ "$with_cuda" == "1" ]]; then
        ops_tag="cu${torch_cuda//./}"
    else
        ops_tag="cpu"
    fi
    wheel_dir="$cache/wheels/mmcv-$mmcv_version-torch$torch_version-$ops_tag-$pyver-$(uname -m)"
    mkdir -p "$cache/wheels"
    # Two installs sharing a cache build mmcv once: the second waits for the first's wheel.
    exec 8>"$cache/wheels/.mmcv-build.lock"
    flock 8
    if ! ls "$wheel_dir"/mmcv-*.whl >/dev/null 2>&1; then
        log "building mmcv $mmcv_version with $ops_tag ops (about 9 min on 2 idle cores, once per machine)"
        build="$(mktemp -d)"
        trap 'rm -rf "$build"' EXIT
        "${pip[@]}" download --no-deps --no-binary :all: --no-build-isolation \
            "mmcv==$mmcv_version" -d "$build"
        tar -xzf "$build"/mmcv-*.tar.gz -C "$build"
        src="$(find "$build" -maxdepth 1 -type d -name 'mmcv-*' | head -n1)"
        sed -i -E 's/-std=c\+\+1[47]/-std=c++20/g' "$src/setup.py"
        if [[ "$with_cuda" == "1" ]]; then
            build_env=(FORCE_CUDA=1)
        else
            # mmcv's setup.py builds CUDA ops whenever torch sees a GPU: hide it.
            build_env=(FORCE_CUDA=0 CUDA_VISIBLE_DEVICES=)
        fi
        # -g0: Python's own CFLAGS ask for debug info, which for torch's template-heavy headers
        # costs a large share of the compile time and nothing at run time.
        (cd "$src" && env "${build_env[@]}" MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
            CFLAGS="${CFLAGS:-} -g0" CXXFLAGS="${CXXFLAGS:-} -g0" \
            "$venv/bin/python" -m pip wheel -q --no-deps --no-build-isolation . -w "$build/wheel")
        mkdir -p "$wheel_dir"
        mv "$build"/wheel/mmcv-*.whl "$wheel_dir"/
    else
        log "reusing cached mmcv wheel from $wheel_dir"
    fi
    flock -u 8
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

# 7. heatgait itself, editable, with the test tools and the ONNX runtimes (exports).
log "heatgait"
"${pipc[@]}" -e "$repo[dev,onnx,openvino]"

echo "$stamp_value" > "$stamp"
log "done: $venv"
