"""Helpers shared by the command modules: recipe options, output, progress."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Annotated

import typer

_RECIPES = "a built-in name (casia-b, ccpg, sustech1k, ...; `heatgait recipes` lists them) or " \
           "a path to a YAML file"
RecipeOption = Annotated[
    str, typer.Option("--recipe", "--pipeline", "-p", help=f"Recipe: {_RECIPES}.",
                      rich_help_panel="Recipe")]
SetOption = Annotated[
    list[str] | None, typer.Option("--set", help="Override a recipe value: section.key=value "
                                      "(repeatable), e.g. --set train.iterations=1000.",
                                      rich_help_panel="Recipe")]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bars; summary only.")]
RuntimeOption = Annotated[
    str, typer.Option("--runtime", help="torch (the checkpoint), onnx (onnxruntime) or openvino "
                      "(both run the run's export: heatgait export; pip install "
                      "'heatgait[onnx]' / '[openvino]').", rich_help_panel="Runtime")]
ModelFileOption = Annotated[
    Path | None, typer.Option("--model", help="The exported embedder (.onnx) for --runtime onnx "
                              "or openvino. [default: beside the checkpoint, "
                              "checkpoints/latest.onnx]", rich_help_panel="Runtime")]


def recipe_option(help_text: str) -> typer.models.OptionInfo:
    """``--recipe`` (aliases ``--pipeline``, ``-p``) with a command's own help text."""
    return typer.Option("--recipe", "--pipeline", "-p", help=help_text, rich_help_panel="Recipe")


def show_progress(quiet: bool) -> bool:
    """Progress bars only on a terminal and without --quiet."""
    return not quiet and sys.stderr.isatty()


def say(message: str, quiet: bool = False) -> None:
    if not quiet:
        typer.echo(message)


def stdout_file() -> Path | None:
    """The regular file that standard output was redirected into by the shell, if any."""
    try:
        if not stat.S_ISREG(os.fstat(sys.stdout.fileno()).st_mode):
            return None
        return Path(os.readlink(f"/proc/self/fd/{sys.stdout.fileno()}"))
    except (OSError, ValueError, AttributeError):
        return None
