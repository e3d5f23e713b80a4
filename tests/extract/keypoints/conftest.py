"""Real keypoints for the reader tests: heatgait's own BlazePose walkers of vtest.avi
(tests.extract.keypoints.vtest). Those are the keypoints every format is written with
(tests.extract.keypoints.writers) and must be read back as.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.extract.keypoints.vtest import blazepose_walkers
from tests.extract.keypoints.writers import Walker


@pytest.fixture(scope="session")
def vtest_walkers(tmp_path_factory: pytest.TempPathFactory, vtest_frames) -> list[Walker]:
    """[(subject, "01", "090", keypoints [T, 17, 3] in vtest.avi pixels, frame numbers)]."""
    return blazepose_walkers(tmp_path_factory.mktemp("vtest-blazepose"), vtest_frames)


@pytest.fixture
def walker_dir(tmp_path: Path) -> Path:
    return tmp_path / "kp"
