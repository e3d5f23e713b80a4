# heatgait: two commands for a newcomer.
#   make demo   installs everything into .venv (once) and runs the end-to-end demo
#   make test   installs everything into .venv (once) and runs the test suite
# Other targets: install, models, data, test-fast, lint, bench, clean.

VENV    ?= .venv
PYTHON  := $(VENV)/bin/python
PYTEST_ARGS ?=
# pytest-xdist workers: one per core (the learning test's two trainings run side by side)
TEST_WORKERS ?= $(shell nproc)

.PHONY: install models data demo test test-fast lint bench clean

install:
	bash scripts/install.sh "$(VENV)"

# Offline BlazePose model files, taken from the mediapipe wheel on PyPI and sha256-checked.
models: install
	"$(PYTHON)" -m heatgait.cli.fetch_models

# Real footage for the stage-1 tests (Debian's opencv-doc ships vtest.avi).
data:
	bash scripts/get_sample_video.sh

demo: install models data
	"$(VENV)/bin/heatgait" demo

# The import layers (ARCHITECTURE.md) are checked before the tests run.
test: install models data
	PYTHONPATH=. "$(VENV)/bin/lint-imports"
	"$(PYTHON)" -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The inner loop: everything but the learning and install tiers (tests/conftest.py TIERS).
test-fast: install models data
	"$(PYTHON)" -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not learning and not install" \
		$(PYTEST_ARGS)

lint: install
	"$(VENV)/bin/ruff" check heatgait cli tests benchmarks
	PYTHONPATH=. "$(VENV)/bin/lint-imports"

bench: install models data
	"$(PYTHON)" benchmarks/run_all.py

clean:
	rm -rf build dist *.egg-info .pytest_cache
