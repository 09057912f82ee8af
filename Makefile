# Each target creates .venv when missing and reinstalls when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[dev]" --config-settings editable_mode=compat
	touch $(STAMP)

run: $(STAMP)  ## crawl this repo and the installed environment, build, score, rank (offline)
	$(BIN)/globallm run --path .

test: $(STAMP) lint  ## lint, then the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)  ## benchmarks: print figures, write bench/results/*.json
	$(BIN)/python bench/score_speed.py

clean:
	rm -rf $(VENV) .globallm
