"""Suite-wide isolation: the CLI's quiet mode must not leak from one test into the next.

``heatgait.cli.output.quiet_third_party`` (run by every in-process CLI call) sets environment
variables for child processes, warning filters and a logging switch for the rest of the
process: right for a command, wrong for a test process that later checks what a child or a
library prints. Each test gets them back as they were.
"""

from __future__ import annotations

import logging
import os
import warnings

import pytest


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
