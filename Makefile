# One set of commands for people and CI. `make run` and `make test` set up
# everything they need on a fresh machine: the .venv and the project in it.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: run test test-fast lint bench docs clean system-packages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

## system-packages: the Debian packages the tests use (PostgreSQL, Chromium, fonts, WeasyPrint libraries, wrk)
system-packages:
	bash scripts/install-system-packages.sh

## run: the web app on http://127.0.0.1:8000 with an embedded SQLite database under var/
run: $(STAMP)
	$(BIN)/trdnav serve --host 127.0.0.1 --port 8000

## test: lint (style, import layers, strict typing of the whole package) and every test (SQLite and
## PostgreSQL, browser, slow; the thorough Hypothesis profile), one pytest worker per core
test: lint $(STAMP) system-packages
	$(BIN)/pytest -n auto --dist worksteal

## test-fast: between edits: no PostgreSQL, no browser, no slow tests, few Hypothesis examples (under a minute)
test-fast: $(STAMP)
	$(BIN)/pytest -n auto --dist worksteal -m "not postgres and not browser and not slow" --hypothesis-profile=quick

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy src/trdnav

## bench: trdnav.assess against a JSON round trip; the HTTP API against a bare echo app (wrk);
## CDS Hooks patient-view with full prefetch beside the evaluate API; a compiled SQL on FHIR view
## against hand-written DuckDB SQL; the population screen against a typed baseline, the parse floor
## and a Python loop, and Spark against DuckDB at 10k and 100k patients
bench: $(STAMP) system-packages
	$(BIN)/python bench/bench_assess.py
	$(BIN)/python bench/bench_http.py
	$(BIN)/python bench/bench_cds.py
	$(BIN)/python bench/bench_views.py
	$(BIN)/python bench/bench_population.py

## docs: regenerate docs/rules.md from the knowledge base
docs: $(STAMP)
	$(BIN)/trdnav knowledge docs --output docs/rules.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
