"""Which process of a launch this is: torchrun's ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``.

The one reader of those variables; extraction, training, device choice and the CLI ask
:func:`launch_env`. Without a launcher this process is rank 0 of 1, so one process on one GPU
or the CPU needs nothing set. Torch-free, so it can be asked before any heavy import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from heatgait.errors import UsageError

_DEFAULTS = {"RANK": 0, "WORLD_SIZE": 1, "LOCAL_RANK": 0}


@dataclass(frozen=True)
class LaunchEnv:
    """This process's place in the launch."""

    rank: int  # global rank, 0..world_size-1
    world_size: int  # processes in all, on all machines
    local_rank: int  # rank on this machine: which of its GPUs is this process's

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that writes manifests, checkpoints and logs."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def launch_env(environ: Mapping[str, str] | None = None) -> LaunchEnv:
    """This process's :class:`LaunchEnv` from ``environ`` (default ``os.environ``).

    An unset or empty variable takes its single-process value (0, 1, 0). A value that is not a
    whole number is a one-line UsageError naming the variable.
    """
    env = os.environ if environ is None else environ
    values: dict[str, int] = {}
    for name, default in _DEFAULTS.items():
        text = env.get(name, "").strip()
        try:
            values[name] = int(text) if text else default
        except ValueError:
            raise UsageError(f"${name}={text!r} is not a whole number; launch with torchrun "
                             f"or unset {name}") from None
    return LaunchEnv(rank=values["RANK"], world_size=values["WORLD_SIZE"],
                     local_rank=values["LOCAL_RANK"])
