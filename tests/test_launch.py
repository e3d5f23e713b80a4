"""torchrun's environment, read in one place."""

from __future__ import annotations

import pytest

from heatgait.errors import UsageError
from heatgait.launch import LaunchEnv, launch_env


def test_single_process_without_a_launcher() -> None:
    env = launch_env({})
    assert env == LaunchEnv(rank=0, world_size=1, local_rank=0)
    assert env.is_main and not env.distributed
    assert launch_env({"RANK": "", "WORLD_SIZE": " "}) == env  # empty counts as unset


def test_torchrun_variables() -> None:
    env = launch_env({"RANK": "5", "WORLD_SIZE": "8", "LOCAL_RANK": "1"})
    assert (env.rank, env.world_size, env.local_rank) == (5, 8, 1)
    assert env.distributed and not env.is_main


def test_os_environ_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANK", "2")
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    assert launch_env() == LaunchEnv(rank=2, world_size=4, local_rank=0)


def test_a_bad_value_names_the_variable() -> None:
    with pytest.raises(UsageError, match=r"\$WORLD_SIZE='two' is not a whole number"):
        launch_env({"WORLD_SIZE": "two"})
