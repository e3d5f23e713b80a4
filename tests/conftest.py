"""Suite-wide isolation (the CLI's quiet mode must not leak from one test into the next) and the
suite's tiers.

``heatgait.cli.output.quiet_third_party`` (run by every in-process CLI call) sets environment
variables for child processes, warning filters and a logging switch for the rest of the
process: right for a command, wrong for a test process that later checks what a child or a
library prints. Each test starts from the state the process had before any CLI call (a module-
or session-scoped fixture that calls the CLI runs before the tests that use it, so restoring
what a test found is not enough) and gets back afterwards what it found.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
QUIET_VARIABLES = ("PYTHONWARNINGS", "TF_CPP_MIN_LOG_LEVEL", "HEATGAIT_QUIET")  # quiet_third_party
PRISTINE_ENV = {name: os.environ.get(name) for name in QUIET_VARIABLES}
PRISTINE_SHOWWARNING = warnings.showwarning
PRISTINE_LOG_DISABLE = logging.root.manager.disable
# Tiers that `make test-fast` leaves out (`make test` and CI run everything):
# learning: trains models to a measured result, or runs the whole pipeline end to end;
# install: the install script, the Docker image and the installed checkout.
TIERS = {
    "learning": ("test_learning.py", "test_readme.py", "demo/test_demo.py",
                 "extract/keypoints/test_learning_keypoints.py"),
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
    # The longest tests first, so that under pytest-xdist they start at once on different
    # workers and the many short ones fill the gaps (last, they would run one after another).
    items.sort(key=lambda item: item.get_closest_marker("learning") is None)


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread_per_xdist_worker():
    """Under pytest-xdist every core already runs a worker: more torch threads than cores only
    make them wait on each other. Child processes inherit the setting."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        os.environ["OMP_NUM_THREADS"] = "1"
        torch.set_num_threads(1)
    yield


@pytest.fixture(autouse=True)
def restore_quiet_state():
    environ = dict(os.environ)
    show = warnings.showwarning
    level = logging.root.manager.disable
    for name, value in PRISTINE_ENV.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    warnings.showwarning = PRISTINE_SHOWWARNING
    logging.disable(PRISTINE_LOG_DISABLE)
    with warnings.catch_warnings():
        yield
    os.environ.clear()
    os.environ.update(environ)
    warnings.showwarning = show
    logging.disable(level)


@pytest.fixture(scope="session")
def tiny_gallery(tmp_path_factory):
    """A toy run and its calibrated gallery (tests.gallery.helpers.build_tiny_gallery), built
    once, only for the tests that ask for it (streaming, verify). -> (data, run, gallery)."""
    from tests.gallery.helpers import build_tiny_gallery

    return build_tiny_gallery(tmp_path_factory.mktemp("tiny-gallery"))
