"""Locate the public sample video ``vtest.avi`` (the demo runs stage 1 on it).

``vtest.avi`` (768x576, 10 fps, 795 frames, 7-8 people walking past a static camera) ships in
Debian's ``opencv-doc`` package. ``$HEATGAIT_VTEST`` overrides the path. This is the one place
in the code base that names the Debian path. Reading its frames for tests and benchmarks is
``tests/footage.py``'s job.
"""

from __future__ import annotations

import os
from pathlib import Path

VTEST_ENV = "HEATGAIT_VTEST"
VTEST_DEBIAN = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")


def vtest_path() -> Path | None:
    """Path to vtest.avi from ``$HEATGAIT_VTEST`` or the Debian package, or None if absent."""
    env = os.environ.get(VTEST_ENV)
    for candidate in ([Path(env)] if env else []) + [VTEST_DEBIAN]:
        if candidate.is_file():
            return candidate
    return None
