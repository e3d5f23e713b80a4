"""Train/test subject splits in the field's JSON format: {"TRAIN_SET": [...], "TEST_SET": [...]}.

The field's standard splits ship in ``pipelines/splits/``; the one rule by which a recipe's split
file is found (never in the current folder) is ``heatgait.config.split_files.resolve_split``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from heatgait import fileio
from heatgait.errors import ConfigError


@dataclass
class Split:
    """Subject ids (strings, as in the shard keys) of the training and the test set."""

    train: list[str] = field(default_factory=list)
    test: list[str] = field(default_factory=list)


def load_split(path: str | Path) -> Split:
    """Read a split file; ids written as JSON numbers become strings ("75" stays "75")."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: split file not found; give an existing JSON split") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(data, dict) or not {"TRAIN_SET", "TEST_SET"} <= data.keys():
        raise ConfigError(f"{path}: a split needs the keys TRAIN_SET and TEST_SET")
    train = [str(s) for s in data["TRAIN_SET"]]
    test = [str(s) for s in data["TEST_SET"]]
    overlap = sorted(set(train) & set(test))
    if overlap:
        raise ConfigError(f"{path}: subjects in both TRAIN_SET and TEST_SET: {overlap[:5]}")
    return Split(train=train, test=test)


def save_split(split: Split, path: str | Path) -> None:
    """Write a split in the field's format (durably: ``heatgait.fileio``)."""
    text = json.dumps({"TRAIN_SET": list(split.train), "TEST_SET": list(split.test)}, indent=1)
    fileio.write_text(path, text + "\n")


def load_split_list(path: str | Path, key: str) -> list[str]:
    """Another list of a split file, e.g. Gait3D's PROBE_SET (sequences as ID-TYPE-VIEW)."""
    path = Path(path)
    load_split(path)  # the file's own checks first
    data = json.loads(path.read_text())
    if not isinstance(data.get(key), list):
        raise ConfigError(f"{path}: no list {key!r} (keys: {', '.join(data)}); the recipe's "
                          "eval.probe_list names a list of this split file")
    return [str(s) for s in data[key]]
