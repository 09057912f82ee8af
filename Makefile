# Each target creates .venv when missing and reinstalls when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean sandbox-tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[dev]" --config-settings editable_mode=compat
	touch $(STAMP)

run: $(STAMP)  ## crawl this repo and the installed environment, build, score, rank (offline)
	$(BIN)/globallm run --path .

test: $(STAMP) sandbox-tools lint  ## lint, then the whole test suite
	$(BIN)/python -m pytest

# Target test suites run under bubblewrap when it is there; as root with apt we install it,
# elsewhere the sandbox falls back to unshare + prlimit and says so in each verification.
sandbox-tools:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	  else echo "bubblewrap not installed: test suites will run under unshare/prlimit"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)  ## benchmarks: print figures, write bench/results/*.json
	$(BIN)/python bench/score_speed.py
	$(BIN)/python bench/campaign.py

clean:
	rm -rf $(VENV) .globallm
