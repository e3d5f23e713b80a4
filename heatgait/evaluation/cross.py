"""Cross-domain evaluation codes (paper Table 3): ``CA->CC`` or ``CA:CC``.

The codes are the ``data.code`` values of the built-in recipes (CA = casia-b, CC = ccpg,
SU = sustech1k), read from the recipes themselves so a new recipe brings its own code.
"""

from __future__ import annotations

import re

from heatgait.config import builtin_recipes, load_recipe
from heatgait.errors import UsageError


def recipe_codes() -> dict[str, str]:
    """Short code -> built-in recipe name."""
    codes: dict[str, str] = {}
    for name in builtin_recipes():
        code = load_recipe(name).data.code.upper()
        codes.setdefault(code, name)
    return codes


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
