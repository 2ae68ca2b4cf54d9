# The commands the README names. Everything runs from the project's own virtual environment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install demo test test-postgres fuzz lint serve bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)

## Build the demo district on the embedded SQLite database (data/relief.db) and show it.
demo: $(STAMP)
	$(BIN)/relief demo

## The whole test suite: pure logic, SQLite, and PostgreSQL when a server is reachable
## (skipped with a message otherwise; required when CI=true).
test: $(STAMP)
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

## Only the PostgreSQL half of the suite, failing if no server is reachable.
test-postgres: $(STAMP)
	RELIEF_REQUIRE_PG=1 $(BIN)/pytest -n 2 -m postgres $(PYTEST_ARGS)

## A deeper schemathesis run over the OpenAPI document than the one `make test` includes.
fuzz: $(STAMP)
	RELIEF_FUZZ_EXAMPLES=$${RELIEF_FUZZ_EXAMPLES:-25} $(BIN)/pytest -n 2 -m fuzz $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core ledger inventory suppliers optimizer plans dispatch alerts accounts api tests bench
	$(BIN)/lint-imports

serve: $(STAMP)
	$(BIN)/relief serve

## Benchmarks against the shared data; figures land in bench/results/.
bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
