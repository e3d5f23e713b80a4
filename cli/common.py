"""Helpers shared by the command modules: recipe options, output, progress."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

RecipeOption = Annotated[
    str, typer.Option("--pipeline", "-p", help="Recipe: a built-in name (casia-b, ccpg, "
                      "sustech1k) or a path to a YAML file.", rich_help_panel="Recipe")]
SetOption = Annotated[
    list[str] | None, typer.Option("--set", help="Override a recipe value: section.key=value "
                                      "(repeatable), e.g. --set train.iterations=1000.",
                                      rich_help_panel="Recipe")]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bars; summary only.")]


def show_progress(quiet: bool) -> bool:
    """Progress bars only on a terminal and without --quiet."""
    return not quiet and sys.stderr.isatty()


def say(message: str, quiet: bool = False) -> None:
    if not quiet:
        typer.echo(message)
