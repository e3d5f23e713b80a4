"""``make models``: fill the model cache with the offline BlazePose files and say where they are.

Not a ``heatgait`` command: the Makefile and the Docker image run it as
``python -m heatgait.cli.fetch_models``. The library (``heatgait.extract.runtimes.model_cache``)
fetches and checks; printing and the exit code are this entry point's.
"""

from __future__ import annotations

import sys

from heatgait.errors import HeatgaitError
from heatgait.extract.runtimes.model_cache import fetch_models


def main() -> None:
    try:
        paths = fetch_models()
    except HeatgaitError as exc:
        print(f"heatgait: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    for name, path in paths.items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
