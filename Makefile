# Every target creates .venv itself when it is missing (DESIGN.md §1).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
PYTEST_ARGS ?=

.PHONY: demo test bench lint install clean docs browser services

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Headless Chromium for the dashboard test (Debian package; installs itself when running as root).
browser:
	@bash scripts/ensure-chromium.sh

# PostgreSQL server binaries for the executed SQL autofix tests (a throwaway cluster per test run), and
# the node drivers (pg, better-sqlite3) the JS autofix tests run code with (npm ci into ~/.cache).
services:
	@bash scripts/ensure-postgres.sh
	@bash scripts/ensure-node-drivers.sh >/dev/null

demo: $(STAMP)
	@bash examples/demo.sh

test: $(STAMP) browser services
	$(BIN)/python -m coverage erase
	$(BIN)/python -m coverage run -m pytest -p no:cacheprovider -n 2 $(PYTEST_ARGS); status=$$?; \
	  $(BIN)/python -m coverage combine --quiet >/dev/null 2>&1; \
	  $(BIN)/python -m coverage report | grep -E "^TOTAL"; exit $$status

bench: $(STAMP)
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

docs: $(STAMP)
	$(BIN)/br rules docs --output docs/RULES.md

# ruff, then the layer contracts (pyproject.toml [tool.importlinter]): imports only go down, no cycles.
lint: $(STAMP)
	$(BIN)/python -m ruff check buildrunner tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/actionlint docs/ci/*.yml

clean:
	rm -rf $(VENV) .coverage .coverage.* htmlcov .pytest_cache
