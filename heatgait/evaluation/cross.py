"""Cross-domain evaluation codes (paper Table 3): ``CA->CC`` or ``CA:CC``.

The codes are the ``data.code`` values of the built-in recipes (CA = casia-b, CC = ccpg,
SU = sustech1k), read from the recipes themselves so a new recipe brings its own code.
"""

from __future__ import annotations

import re

import yaml

from heatgait.config import builtin_recipes, find_recipe, load_recipe
from heatgait.errors import UsageError


def recipe_codes() -> dict[str, str]:
    """Short code -> the built-in recipe of that data set (the one with no ``base:``; its
    variants, e.g. casia-b++ or casia-b-nopgha, share its code and its protocol)."""
    codes: dict[str, str] = {}
    for name in builtin_recipes():
        if "base" in (yaml.safe_load(find_recipe(name).read_text()) or {}):
            continue
        code = load_recipe(name).data.code.upper()
        codes.setdefault(code, name)
    return codes


def unquoted_arrow(text: str, stdout_name: str | None = None) -> str | None:
    """Why ``--cross`` looks cut by the shell, or None.

    Typed unquoted, ``--cross CA->CC`` reaches the program as ``CA-`` while bash sends its
    output into a file named ``CC``. Either sign (a value ending in ``-``, or standard output
    redirected into a file named like a data-set code while the value is not a whole pair) means
    the results would vanish into that file, so the command must stop and say so.
    """
    codes = recipe_codes()
    target = stdout_name if stdout_name and stdout_name.upper() in codes else None
    whole = len([p for p in re.split(r"->|:|>", text) if p.strip()]) == 2
    if not text.rstrip().endswith("-") and (target is None or whole):
        return None
    source = text.rstrip().rstrip("-").upper() or "SOURCE"
    into = f" and bash wrote the output into a file named {target!r} (delete it)" if target else ""
    return (f"--cross {text!r}: an unquoted '>' is a shell redirection, so '{source}->"
            f"{target or 'TARGET'}' arrived cut{into}; quote it: --cross '{source}->"
            f"{target or 'TARGET'}' (or write {source}:{target or 'TARGET'})")


def parse_cross(text: str) -> tuple[str, str]:
    """``'CA->CC'`` / ``'CA:CC'`` -> (source recipe name, target recipe name)."""
    parts = [p.strip().upper() for p in re.split(r"->|:|>", text)]
    codes = recipe_codes()
    known = ", ".join(f"{c} ({n})" for c, n in sorted(codes.items()))
    if len(parts) != 2 or not all(parts):
        raise UsageError(f"--cross {text!r}: expected SOURCE->TARGET or SOURCE:TARGET, e.g. "
                         f"'CA->CC' (quote the arrow); codes: {known}")
    unknown = [p for p in parts if p not in codes]
    if unknown:
        raise UsageError(f"--cross {text!r}: unknown code {unknown[0]!r}; codes: {known}")
    return codes[parts[0]], codes[parts[1]]


def check_source(checkpoint_code: str, source: str, path: str) -> None:
    """The checkpoint must have been trained on the cross-domain source data set."""
    want = load_recipe(source).data.code.upper()
    if checkpoint_code.upper() != want:
        raise UsageError(f"checkpoint {path} was trained on {checkpoint_code or '?'}, but --cross "
                         f"names source {want}; use --cross '{checkpoint_code}->TARGET'")
