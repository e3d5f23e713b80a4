#!/usr/bin/env bash
# Installs Debian's opencv-doc, which ships vtest.avi (768x576, 10 fps, several walkers), the
# real footage that stage 1 is tested on. Needs root (or sudo); without either it says how.
set -euo pipefail
video=/usr/share/doc/opencv-doc/examples/data/vtest.avi
if [[ -f "$video" || -n "${HEATGAIT_VTEST:-}" ]]; then
    exit 0
fi
if [[ "$(id -u)" == "0" ]]; then
    sudo=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo="sudo"
else
    echo "[data] vtest.avi missing: run 'sudo apt-get install opencv-doc' or set HEATGAIT_VTEST" >&2
    exit 1
fi
echo "[data] installing opencv-doc for vtest.avi" >&2
$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends opencv-doc >/dev/null
test -f "$video"
