# Tally CRM: `make run` serves the CRM with demo data, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2

.PHONY: run test lint bench translations venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

venv: $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(BIN)/pybabel -q compile -d translations
	$(FLASK) init-db
	$(FLASK) demo-data --if-empty
	@echo "Tally CRM on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(BIN)/gunicorn --workers $(WORKERS) --threads 4 --bind $(HOST):$(PORT) app:app

# Browser tests drive Debian's Chromium; install it when missing and we may.
.PHONY: chromium
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: install Debian's chromium package" >&2; fi; }

# The PostgreSQL tests start a throwaway cluster of their own from Debian's server binaries;
# install them when missing and we may (the distribution's service is not started here).
.PHONY: postgresql
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL is missing: install Debian's postgresql package (its tests are skipped)" >&2; fi; }

test: $(VENV)/.dev-deps chromium postgresql
	$(BIN)/pybabel -q compile -d translations
	$(BIN)/pytest

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .

# Speed targets live here, not in the tests: each script prints a table (see README).
bench: $(VENV)/.dev-deps
	$(BIN)/python benchmarks/bench_charge.py
	$(BIN)/python benchmarks/bench_activity.py
	$(BIN)/python benchmarks/bench_crm.py
	$(BIN)/python benchmarks/bench_history.py

# Re-extract messages and compile the catalogs after changing user-visible text.
translations: $(VENV)/.dev-deps
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs '.*' -k _l -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -d translations
