"""``heatgait recipes``: the built-in recipes, one line each."""

from __future__ import annotations

import typer


def recipes() -> None:
    """List the built-in recipes (pipelines/*.yaml): data set, model, pose model, heatmaps and
    what each is for. Use one with --recipe NAME, or copy it and start yours with `base: NAME`.
    """
    from heatgait.config import builtin_recipes, recipe_summary

    rows = [recipe_summary(name) for name in builtin_recipes()]
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        facts = f"{row['dataset']}, {row['model']}, {row['pose']}"
        if row["heatmaps"] != "raw":
            facts += f", {row['heatmaps']} heatmaps"
        typer.echo(f"{row['name']:<{width}}  {facts}" + (f": {row['about']}" if row["about"] else ""))
