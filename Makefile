# The two commands of the README:
#   make demo   set up (once) and run the whole pipeline on the demo corpus
#   make test   set up (once) and run the test suite
SHELL := /bin/bash
VENV := .venv/bin
export PYTHONPATH := $(CURDIR)/src
# dvc.yaml's commands call `python`: the project's venv must come first on PATH.
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup demo test lint gate timings

setup:
	@bash scripts/bootstrap.sh

demo: setup
	$(VENV)/dvc repro
	$(VENV)/python scripts/stage_timings.py

test: setup
	$(VENV)/python -m pytest -q -p no:cacheprovider

# What tests/test_style.py and tests/test_layers.py check, on its own (and ruff format to mend it).
lint: setup
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/lint-imports

gate:
	$(VENV)/python scripts/check_metrics.py --rev HEAD

timings:
	$(VENV)/python scripts/stage_timings.py
