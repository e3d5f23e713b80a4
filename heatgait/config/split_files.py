"""Where a recipe's split file is: the one rule, beside the recipe that names it.

An absolute path as it is; a relative name next to the recipe file, else among the package's
standard splits (``pipelines/splits/``); never the current folder. Reading and writing split
files is ``heatgait.data.splits``; finding them belongs to the recipe, so it lives here.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from heatgait.errors import ConfigError


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
