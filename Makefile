# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Synapse (the Matrix homeserver the tests run against) in a virtual environment of its own,
# so that its dependencies never meet opsroom's.
SYNAPSE_VENV := .venv-synapse
SYNAPSE_STAMP := $(SYNAPSE_VENV)/.installed-stamp

.PHONY: run test lint setup synapse clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

$(SYNAPSE_STAMP): tests/e2e/synapse-requirements.txt
	test -x $(SYNAPSE_VENV)/bin/python || $(PYTHON) -m venv $(SYNAPSE_VENV)
	$(SYNAPSE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SYNAPSE_VENV)/bin/python -m pip install --quiet -r tests/e2e/synapse-requirements.txt
	touch $(SYNAPSE_STAMP)

synapse: $(SYNAPSE_STAMP)

run: $(STAMP)
	$(BIN)/opsroom db upgrade
	$(BIN)/opsroom serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint $(SYNAPSE_STAMP)
	$(BIN)/pytest

clean:
	rm -rf $(VENV) $(SYNAPSE_VENV) .pytest_cache .mypy_cache .ruff_cache
