# Sprechzeit — `make run` serves the demo, `make test` runs the tests. Nothing else to install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
MANAGE := $(BIN)/python manage.py
# `PORT=8123 make run` serves on 8123; the links in pages and messages follow unless SITE_URL is set.
PORT ?= 8000
# A SITE_URL in .env counts as set too (make does not read .env; Django would not override
# the one given here).
ENV_SITE_URL := $(shell sed -n 's/^SITE_URL=//p' .env 2>/dev/null | tail -n 1 | tr -d "\"'")
RUN_SITE_URL = $(or $(SITE_URL),$(ENV_SITE_URL),http://127.0.0.1:$(PORT))
# The service tests' defaults match the CI machines; override on the command line.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run setup test test-services bench bench-scale audit messages lint clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

# axe-core for the accessibility tests (tests/test_browser_axe.py), as package-lock.json pins it.
node_modules/axe-core: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

setup: $(STAMP)
	$(MANAGE) migrate --noinput
	$(BIN)/python scripts/catalogs.py compile
	$(MANAGE) demo

# honcho hands the web process $(PORT) as $$PORT (the worker and beat get other ports, unused).
run: setup
	@echo ""
	@echo "  Sprechzeit is starting:"
	@echo "    booking page   http://127.0.0.1:$(PORT)/demo/"
	@echo "    coach login    http://127.0.0.1:$(PORT)/accounts/login/  (coach@example.com / demo-pass-123)"
	@echo "    admin          http://127.0.0.1:$(PORT)/admin/"
	@echo "    API docs       http://127.0.0.1:$(PORT)/api/docs"
	@echo "  Web, Celery worker and beat run together; Ctrl-C stops all three."
	@echo ""
	SITE_URL="$(RUN_SITE_URL)" PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile.dev start --port $(PORT)

test: $(STAMP)
	$(BIN)/python scripts/catalogs.py compile
	env -u DATABASE_URL -u REDIS_URL VAR_DIR=$(CURDIR)/var/test $(BIN)/pytest -m "not postgres and not redis and not browser" $(PYTEST_ARGS)

# The whole suite on PostgreSQL, with Redis as broker and cache, a real worker and Chromium
# (and axe-core over every page).
# Any skipped test fails the run (REQUIRE_SERVICES).
test-services: $(STAMP) node_modules/axe-core
	$(BIN)/python scripts/catalogs.py compile
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) REQUIRE_SERVICES=1 VAR_DIR=$(CURDIR)/var/test-services $(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	PYTHONPATH=. $(BIN)/python -m bench

# 10,000 coaches and a million bookings on PostgreSQL + Redis (3–4 minutes, bounded to 10; the data is
# dropped afterwards). Not part of CI.
bench-scale: $(STAMP)
	PYTHONPATH=. $(BIN)/python -m bench.scale

# pip-audit over the pinned requirements; a package it cannot look up is named, never called clean.
audit: $(STAMP)
	$(BIN)/python scripts/audit.py $(AUDIT_ARGS)

messages: $(STAMP)
	$(MANAGE) makemessages -l de -l de_DU -l en --ignore=.venv --ignore=tests --no-obsolete
	$(BIN)/python scripts/catalogs.py english
	$(BIN)/python scripts/catalogs.py check
	$(BIN)/python scripts/catalogs.py compile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf var .pytest_cache .ruff_cache node_modules
