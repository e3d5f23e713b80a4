"""scripts/install.sh: one install at a time into a venv, and any venv path works.

The real cold install (mmcv build included) is what CI runs (.ci/run); these tests check the
script's own logic on a venv whose stamp says it is up to date, so they take seconds.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "install.sh"


def up_to_date_venv(path: Path) -> Path:
    """A folder that install.sh takes for a finished install (its stamp matches)."""
    path.mkdir(parents=True)
    digest = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in (
        "constraints.txt", "pyproject.toml", "scripts/install.sh"))).hexdigest()
    (path / ".heatgait-install-stamp").write_text(f"{digest}-mm0-cudaauto\n")
    return path


def install(venv: str, cwd: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("HEATGAIT_NO_MM", "FORCE_CUDA")}
    return subprocess.Popen(["bash", str(SCRIPT), venv], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_second_install_waits_for_the_first(tmp_path):
    venv = up_to_date_venv(tmp_path / "venv")
    with open(venv / ".heatgait-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # an install in progress
        second = install(str(venv), tmp_path)
        time.sleep(2)
        assert second.poll() is None  # waiting, not running pip over a half-built venv
    _, err = second.communicate(timeout=60)
    assert second.returncode == 0
    assert "another install into" in err and "up to date" in err


def test_relative_and_spaced_venv_paths_from_any_folder(tmp_path):
    up_to_date_venv(tmp_path / "a folder" / "my venv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = install("../a folder/my venv", elsewhere)
    _, err = done.communicate(timeout=60)
    assert done.returncode == 0, err
    assert f"up to date ({tmp_path / 'a folder' / 'my venv'})" in err  # made absolute
