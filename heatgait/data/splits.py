"""Train/test subject splits in the field's JSON format: {"TRAIN_SET": [...], "TEST_SET": [...]}.

The field's standard splits ship in ``pipelines/splits/``. :func:`resolve_split` is the one rule
by which training and evaluation find a recipe's split file: never in the current folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from heatgait import fileio
from heatgait.errors import ConfigError


@dataclass
class Split:
    """Subject ids (strings, as in the shard keys) of the training and the test set."""

    train: list[str] = field(default_factory=list)
    test: list[str] = field(default_factory=list)


def builtin_splits_dir() -> Path:
    """The package's folder of standard splits (``pipelines/splits``)."""
    return Path(str(resources.files("heatgait.pipelines") / "splits"))


def is_builtin_split(path: str | Path) -> bool:
    return Path(path).resolve().parent == builtin_splits_dir().resolve()


def resolve_split(name: str, recipe_file: str | Path | None = None) -> Path:
    """A split file named by a recipe: an absolute path as it is; a relative name next to the
    recipe file, else among the package's standard splits. Never the current folder."""
    if not name:
        where = f" (recipe {recipe_file})" if recipe_file else ""
        raise ConfigError(f"data.split is not set{where}; name a split file, e.g. "
                          "--set data.split=casia-b.json")
    path = Path(name)
    if path.is_absolute():
        candidates = [path]
    else:
        recipe_dir = Path(recipe_file).parent if recipe_file and Path(recipe_file).is_file() \
            else None
        candidates = ([recipe_dir / path] if recipe_dir else []) + [builtin_splits_dir() / path]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ConfigError(f"split file {name} not found (looked in "
                      f"{', '.join(str(c.parent) for c in candidates)}); set data.split to a "
                      "JSON split next to the recipe or to an absolute path")


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
