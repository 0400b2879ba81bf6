# Madang: `make run` serves the demo forums on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 5000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The development key and console mail are for this checkout only: without MADANG_ENV the app
# runs as production and refuses to start without a real SECRET_KEY.
export MADANG_ENV ?= development

.PHONY: run test install lint bench bench-smoke clean-db mutate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)
	@if ls app/translations/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
		$(BIN)/pybabel -q compile -d app/translations; fi

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	BASE_URL=$${BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/flask run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

clean-db:
	rm -f instance/madang.sqlite3 instance/madang.sqlite3-wal instance/madang.sqlite3-shm

# Interface translations: English message ids, a Korean catalog compiled by `make install`.
translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(BIN)/pybabel -q update --ignore-obsolete -i app/translations/messages.pot -d app/translations -l ko

# Benchmarks (bench/README.md): each scenario against the floor app, on PostgreSQL and SQLite,
# ~25 minutes; results in bench/results/. BENCH_ARGS passes options, e.g. --workers 4 or --db sqlite.
BENCH_STAMP := $(VENV)/.installed-bench
BENCH_ARGS ?=

$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: install $(BENCH_STAMP)
	@command -v wrk >/dev/null || { echo "make bench needs wrk for the calendar scenario:" \
		"apt-get install wrk (Debian/Ubuntu), brew install wrk (macOS)"; exit 1; }
	$(BIN)/python -m bench.all $(BENCH_ARGS)

# A few seconds per scenario: the scripts still run and the invariants still hold.
bench-smoke: install $(BENCH_STAMP)
	$(BIN)/python -m bench.all --smoke $(BENCH_ARGS)

# Mutation testing (mutation/run.py): mutmut over the modules listed in mutation/targets.toml,
# each against its own fast tests; scores and surviving mutants in mutation/report.md. Not part
# of `make test`. MUTATE_ARGS picks targets and options, e.g. MUTATE_ARGS="tokens conflicts".
MUTATE_STAMP := $(VENV)/.installed-mutate
MUTATE_ARGS ?=

$(MUTATE_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,mutate]'
	touch $(MUTATE_STAMP)

mutate: install $(MUTATE_STAMP)
	$(BIN)/python mutation/run.py $(MUTATE_ARGS)
