"""Suite-wide isolation (the CLI's quiet mode must not leak from one test into the next) and the
suite's tiers.

``heatgait.cli.output.quiet_third_party`` (run by every in-process CLI call) sets environment
variables for child processes, warning filters and a logging switch for the rest of the
process: right for a command, wrong for a test process that later checks what a child or a
library prints. Each test gets them back as they were.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
# Tiers that `make test-fast` leaves out (`make test` and CI run everything):
# learning: trains models to a measured result, or runs the whole pipeline end to end;
# install: the install script, the Docker image and the installed checkout.
TIERS = {
    "learning": ("test_learning.py", "test_readme.py", "demo/test_demo.py"),
    "install": ("test_install.py", "test_docker.py", "test_checkout.py"),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if not path.is_relative_to(TESTS):
            continue
        relative = path.relative_to(TESTS).as_posix()
        for tier, files in TIERS.items():
            if relative in files:
                item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(autouse=True)
def restore_quiet_state():
    environ = dict(os.environ)
    show = warnings.showwarning
    level = logging.root.manager.disable
    with warnings.catch_warnings():
        yield
    os.environ.clear()
    os.environ.update(environ)
    warnings.showwarning = show
    logging.disable(level)
