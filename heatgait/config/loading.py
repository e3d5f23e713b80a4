"""Loading recipes: YAML (with ``base:`` inheritance) -> checked dataclasses, and back.

Loading is strict: an unknown key, a value of the wrong type or a value outside a closed choice
is a :class:`ConfigError` naming the key, the file and what is allowed, raised before any work.

- ``base: NAME_OR_PATH`` at the top of a recipe inherits another recipe (a built-in name, or a
  path relative to the file that names it); the recipe then states only what differs, section
  by section and key by key (a key's value replaces the base's value whole). Chains are allowed,
  cycles are refused. ``name`` defaults to the file's stem.
- ``--set section.key=value`` overrides are parsed as YAML scalars and checked the same way.
- A split file found next to the recipe file is pinned by its absolute path, so the resolved
  recipe that a run saves still finds it (built-in splits keep their name).
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from heatgait.config.schema import SECTIONS, Recipe
from heatgait.config.split_files import is_builtin_split, resolve_split
from heatgait.errors import ConfigError

BASE_KEY = "base"


def builtin_recipes() -> list[str]:
    """Names of the recipes shipped in ``heatgait.pipelines``."""
    folder = resources.files("heatgait.pipelines")
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _is_path(name: str) -> bool:
    return name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name


def find_recipe(name_or_path: str, relative_to: Path | None = None) -> Path:
    """A recipe by built-in name (``casia-b``) or by path to a YAML file.

    A path is taken as given (relative paths: from ``relative_to`` when a recipe's ``base:``
    names it, else from where the user typed it); a bare name is always a built-in one.
    """
    if _is_path(name_or_path):
        path = Path(name_or_path)
        if relative_to is not None and not path.is_absolute():
            path = relative_to / path
        if not path.is_file():
            raise ConfigError(f"recipe {name_or_path}: no such file; give a YAML path or one of "
                              f"{', '.join(builtin_recipes())}")
        return path
    candidate = resources.files("heatgait.pipelines") / f"{name_or_path}.yaml"
    if not candidate.is_file():
        close = difflib.get_close_matches(name_or_path, builtin_recipes(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown recipe {name_or_path!r}{hint} (known: "
                          f"{', '.join(builtin_recipes())}, or give a path to a YAML file)")
    return Path(str(candidate))


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml  # here, not at the top: the GPU check's training path imports config without it

    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"recipe {path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"recipe {path}: expected a mapping of sections at the top level")
    return raw


def read_layers(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The recipe file merged over its ``base:`` chain, as plain data (no ``base`` key)."""
    if path.resolve() in chain:
        names = " -> ".join(str(p) for p in (*chain, path.resolve()))
        raise ConfigError(f"recipe {path}: base recipes form a cycle ({names}); remove one base")
    raw = _read_yaml(path)
    raw.setdefault("name", path.stem)
    base = raw.pop(BASE_KEY, None)
    if base is None:
        return raw
    if not isinstance(base, str):
        raise ConfigError(f"recipe {path}: base must be a recipe name or path, got {base!r}")
    merged = read_layers(find_recipe(base, path.parent), (*chain, path.resolve()))
    for key, value in raw.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}  # a section: key by key
        else:
            merged[key] = value
    return merged


def load_recipe(name_or_path: str, overrides: list[str] | None = None) -> Recipe:
    """Loads, validates and applies ``section.key=value`` overrides to a recipe."""
    path = find_recipe(name_or_path)
    recipe = recipe_from_dict(read_layers(path), str(path))
    recipe.source = str(path)
    for item in overrides or []:
        apply_override(recipe, item)
    _pin_split(recipe)
    return recipe


def _pin_split(recipe: Recipe) -> None:
    split = recipe.data.split
    if not split or Path(split).is_absolute():
        return
    try:
        path = resolve_split(split, recipe.source)
    except ConfigError:
        return  # reported when a stage needs the split (extraction needs none)
    if not is_builtin_split(path):
        recipe.data.split = str(path.resolve())


def recipe_from_dict(raw: dict[str, Any], origin: str = "<dict>") -> Recipe:
    """Builds a :class:`Recipe` from plain data, strictly."""
    raw = dict(raw)
    raw.pop("source", None)
    if BASE_KEY in raw:
        raise ConfigError(f"recipe {origin}: 'base' is resolved when a recipe file loads; "
                          "use load_recipe on the file")
    return _build(Recipe, raw, origin, "")


def recipe_to_dict(recipe: Recipe) -> dict[str, Any]:
    data = dataclasses.asdict(recipe)
    data.pop("source", None)
    return data


def save_recipe(recipe: Recipe, path: str | Path) -> Path:
    """Writes the resolved recipe (what actually ran) as YAML."""
    from heatgait.fileio import write_text

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    import yaml

    write_text(path, yaml.safe_dump(recipe_to_dict(recipe), sort_keys=False))
    return path


def apply_override(recipe: Recipe, item: str) -> None:
    """Applies one ``section.key=value`` override (value parsed as YAML) in place."""
    if "=" not in item or "." not in item.split("=", 1)[0]:
        raise ConfigError(f"--set {item!r}: expected section.key=value, e.g. train.iterations=100")
    dotted, text = item.split("=", 1)
    section_name, key = dotted.split(".", 1)
    origin = f"--set {item}" + (f" (recipe {recipe.source})" if recipe.source else "")
    if section_name not in SECTIONS:
        raise ConfigError(f"{origin}: unknown section {section_name!r}; known: "
                          f"{', '.join(SECTIONS)}")
    section = getattr(recipe, section_name)
    known = {f.name: f for f in dataclasses.fields(section)}
    if key not in known:
        raise ConfigError(f"{origin}: unknown key {key!r} in [{section_name}]{_suggest(key, known)}")
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: value is not valid YAML") from exc
    hints = typing.get_type_hints(type(section))
    old = getattr(section, key)
    setattr(section, key, _coerce(value, hints[key], origin, f"{section_name}.{key}"))
    try:
        section.__post_init__()  # closed choices and cross-key rules, as at load
    except ConfigError as error:
        setattr(section, key, old)
        raise ConfigError(f"{origin}: {error}") from None


def _build(cls: type, raw: Any, origin: str, prefix: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"recipe {origin}: [{prefix or 'top'}] must be a mapping, got {raw!r}")
    known = {f.name: f for f in dataclasses.fields(cls) if f.name != "source"}
    unknown = [k for k in raw if k not in known]
    if unknown:
        where = f" in [{prefix}]" if prefix else ""
        raise ConfigError(f"recipe {origin}: unknown key {unknown[0]!r}{where}"
                          f"{_suggest(unknown[0], known)}")
    hints = typing.get_type_hints(cls)
    values = {}
    for key, value in raw.items():
        name = f"{prefix}.{key}" if prefix else key
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            values[key] = _build(hint, value, origin, name)
        else:
            values[key] = _coerce(value, hint, origin, name)
    try:
        return cls(**values)
    except ConfigError as error:
        raise ConfigError(f"recipe {origin}: {error}") from None


def _coerce(value: Any, hint: Any, origin: str, name: str) -> Any:
    """Checks ``value`` against a type hint; ints are accepted where floats are expected."""
    ok, converted = _check(value, hint)
    if not ok:
        raise ConfigError(f"recipe {origin}: {name} must be {_type_name(hint)}, got {value!r}")
    return converted


def _check(value: Any, hint: Any) -> tuple[bool, Any]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Literal:  # which of the choices is checked by the section itself
        return isinstance(value, str), value
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            ok, converted = _check(value, arg)
            if ok:
                return True, converted
        return False, value
    if hint is type(None):
        return value is None, value
    if origin is list:
        if not isinstance(value, list):
            return False, value
        items = [_check(v, args[0]) for v in value]
        return all(ok for ok, _ in items), [v for _, v in items]
    if origin is dict:
        if not isinstance(value, dict):
            return False, value
        items = {k: _check(v, args[1]) for k, v in value.items()}
        ok = all(isinstance(k, str) for k in value) and all(ok for ok, _ in items.values())
        return ok, {k: v for k, (_, v) in items.items()}
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return True, float(value)
        if isinstance(value, str):  # YAML 1.1 reads 1e30 (no dot) as text
            try:
                return True, float(value)
            except ValueError:
                return False, value
        return False, value
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if hint is bool:
        return isinstance(value, bool), value
    if hint is str:
        # No silent str(int): YAML reads an unquoted 000 as 0, so labels must be quoted.
        return isinstance(value, str), value
    return isinstance(value, hint), value


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is list:
        return f"a list of {_type_name(typing.get_args(hint)[0])}"
    if origin is dict:
        return f"a mapping of text to {_type_name(typing.get_args(hint)[1])}"
    if origin is Literal:
        return "one of " + ", ".join(map(str, typing.get_args(hint)))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    return {int: "an integer", float: "a number", bool: "true or false",
            str: "text (quote labels such as '000')"}.get(
        hint, getattr(hint, "__name__", str(hint)))


def _suggest(key: str, known: dict[str, Any]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{hint} (known: {', '.join(known)})"


def recipe_summary(name_or_path: str) -> dict[str, str]:
    """One line of facts about a recipe: what a reader needs to pick it from a list."""
    path = find_recipe(name_or_path)
    recipe = load_recipe(name_or_path)
    first = path.read_text().splitlines()[0] if path.read_text() else ""
    base = _read_yaml(path).get(BASE_KEY, "")
    return {"name": recipe.name, "dataset": recipe.data.dataset, "model": recipe.model.name,
            "pose": recipe.extract.pose, "heatmaps": recipe.data.heatmaps, "base": str(base),
            "about": first.lstrip("# ").strip() if first.startswith("#") else ""}
