"""Errors that reach the user as one line on stderr.

The CLI turns these into ``heatgait: <message>`` and an exit code; anything else is a bug and
shows a traceback only with ``HEATGAIT_DEBUG=1``. Messages name the input and the fix.
"""

from __future__ import annotations


class HeatgaitError(Exception):
    """A failed run caused by the input or the environment (exit code 1)."""

    exit_code = 1


class UsageError(HeatgaitError):
    """Bad usage: an unknown option value, a wrong recipe key, a missing file argument (exit 2)."""

    exit_code = 2


class ConfigError(UsageError):
    """A recipe or ``--set`` override that does not fit the typed configuration."""


class ShardError(HeatgaitError):
    """A shard that is truncated, corrupt, of an unknown schema, or otherwise unreadable."""


class MissingDependencyError(HeatgaitError):
    """An optional stack (OpenMMLab, LiteRT) that a command needs is not installed."""


class KeypointError(HeatgaitError):
    """A keypoint file (pose pickle, per-frame JSON or text, result list) that does not parse,
    has the wrong shape, or cannot be labelled."""
