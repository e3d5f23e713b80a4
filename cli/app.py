"""The Typer application and the process entry point.

Commands are registered from their own modules, which import heavy stacks (torch, mmpose)
inside the command body only, so ``heatgait --help`` answers at once.
"""

from __future__ import annotations

import importlib
import inspect
import sys

import typer

from heatgait import __version__
from heatgait.cli.output import debug_requested, quiet_third_party, take_verbose_flag
from heatgait.errors import HeatgaitError

app = typer.Typer(
    name="heatgait",
    help="Heatmap-based gait recognition (GaitHeat): videos -> heatmap shards -> results table.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Quick start: heatgait demo.  Details: heatgait COMMAND --help.",
)

# (command name, module under heatgait.cli, function name, help panel)
COMMANDS: list[tuple[str, str, str, str]] = [
    ("extract", "extract", "extract", "Stage 1"),
    ("import", "import_", "import_reference", "Stage 1"),
    ("check", "check", "check", "Stage 1"),
    ("show", "show", "show", "Stage 1"),
    ("train", "train", "train", "Stage 2"),
    ("eval", "eval", "evaluate", "Stage 2"),
    ("export", "export", "export", "Stage 2"),
    ("recipes", "recipes", "recipes", "Stage 2"),
    ("reproduce", "reproduce", "reproduce", "Stage 2"),
    ("report", "report", "report", "Stage 2"),
    ("gallery", "gallery", "gallery_app", "Identify"),
    ("identify", "identify", "identify", "Identify"),
    ("verify", "verify", "verify", "Identify"),
    ("synth", "synth", "synth", "Data and tools"),
    ("demo", "demo", "demo", "Data and tools"),
    ("env", "env", "env", "Data and tools"),
]


def reflow(doc: str) -> str:
    """A docstring as help text: each prose paragraph on one line, so the help formatter wraps
    it to the terminal; indented blocks (examples) keep their lines."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(p if p.startswith(" ") else " ".join(p.split()) for p in paragraphs)


def _register() -> None:
    for name, module_name, function_name, panel in COMMANDS:
        module = importlib.import_module(f"heatgait.cli.{module_name}")
        function = getattr(module, function_name)
        if isinstance(function, typer.Typer):  # a command group: heatgait gallery add ...
            app.add_typer(function, name=name, rich_help_panel=panel)
            continue
        app.command(name, rich_help_panel=panel, help=reflow(function.__doc__ or ""))(function)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"heatgait {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    verbose: bool = typer.Option(False, "--verbose", "-v",
                                 help="Also show third-party warnings and logs (accepted "
                                      "anywhere on the command line)."),
) -> None:
    """Heatmap-based gait recognition (GaitHeat): videos -> heatmap shards -> results table."""


_register()


def main(argv: list[str] | None = None) -> int:
    """Runs the CLI; user-facing errors become one line on stderr and an exit code."""
    debug = debug_requested()
    argv, verbose = take_verbose_flag(sys.argv[1:] if argv is None else list(argv))
    if not (verbose or debug):
        quiet_third_party()
    try:
        app(args=argv, prog_name="heatgait", standalone_mode=True)
    except HeatgaitError as exc:
        if debug:
            raise
        print(f"heatgait: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        if debug:
            raise
        print("heatgait: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    except Exception as exc:
        if debug:
            raise
        print(f"heatgait: internal error: {type(exc).__name__}: {exc} "
              "(rerun with HEATGAIT_DEBUG=1 for the traceback and report it)", file=sys.stderr)
        return 1
    return 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
