# One set of commands for people and CI. `make run` and `make test` set up
# everything they need on a fresh machine: the .venv and the project in it.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: run test lint bench docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: the main job; until the web app exists, assess an example and show the report
run: $(STAMP)
	$(BIN)/trdnav assess examples/tms-leaning.json

## test: lint, strict typing of the core and knowledge base, and every test
test: lint $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src/trdnav/core src/trdnav/knowledge

## bench: throughput of trdnav.assess against a JSON round trip of the same documents
bench: $(STAMP)
	$(BIN)/python bench/bench_assess.py

## docs: regenerate docs/rules.md from the knowledge base
docs: $(STAMP)
	$(BIN)/trdnav knowledge docs --output docs/rules.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
