# The README's commands. CI (.ci/run) calls the same targets, so the README, CI and a
# developer's shell run the same thing.
#
#   make run      first run: install (without the dev extra), migrate, load the demo city, serve
#                 on http://127.0.0.1:8000 with DEBUG off
#   make serve    serve only (no install, no migrate)
#   make test     the whole test suite (installs the dev extra)
#   make lint     ruff check + ruff format --check
#   make check    Django system checks, migrations up to date, production (--deploy) checks

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo city is a snapshot of this day; `make run` and `make serve` pin the business date to it.
DEMO_TODAY ?= 2020-02-15
# Extra pytest arguments, e.g. `make test ARGS="tests/test_admin.py -x"`.
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install install-serve ldap-note var-dir run serve migrate demo test lint format check verify-static messages clean

help:
	@echo "make run            install, migrate, load the demo, serve http://$(HOST):$(PORT) (+ Celery worker)"
	@echo "make serve          serve only (runserver + Celery worker with beat)"
	@echo "make test           run the test suite (ARGS=... to pass pytest arguments)"
	@echo "make lint           ruff check and ruff format --check"
	@echo "make format         ruff format and ruff check --fix"
	@echo "make check          system checks, makemigrations --check, check --deploy"
	@echo "make verify-static  verify vendored front-end files against their checksums"

# The venv is (re)installed when pyproject.toml changes; a stamp file records each install.
# Serving needs only the project's dependencies (`make run`); the tests and the linters need
# the dev extra as well (Playwright, schemathesis, ruff …: `make test`, `make lint`, CI).
CHECK_PYTHON := $(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (set PYTHON=python3.11)")'
# A venv without pip (Debian's python3 without python3-venv leaves one behind) is made again.
ENSURE_VENV := $(BIN)/python -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv $(VENV) \
	|| { echo "make: could not create $(VENV); on Debian/Ubuntu: sudo apt-get install python3-venv" >&2; exit 1; }

$(BIN)/.installed-serve: pyproject.toml
	@$(CHECK_PYTHON)
	@$(ENSURE_VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(BIN)/.installed-dev: pyproject.toml
	@$(CHECK_PYTHON)
	@$(ENSURE_VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

# The optional LDAP login (the `ldap` extra): python-ldap is built from source and needs the
# OpenLDAP and SASL headers. With them the dev install adds the extra (its tests then run
# against a real slapd); without them it says what is left out. CI installs the headers.
LDAP_HEADERS := $(and $(wildcard /usr/include/ldap.h),$(wildcard /usr/include/sasl/sasl.h))

$(BIN)/.installed-ldap: pyproject.toml $(BIN)/.installed-dev
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,ldap]"
	@touch $@

ldap-note:
	@echo "note: no OpenLDAP/SASL headers (apt-get install libldap2-dev libsasl2-dev): the optional LDAP login and its tests are left out"

install-serve: $(BIN)/.installed-serve

install: $(BIN)/.installed-dev $(if $(LDAP_HEADERS),$(BIN)/.installed-ldap,ldap-note)

# SQLite's file, Celery's folders and uploads live under VAR_DIR (default var/, not in git).
var-dir:
	@mkdir -p "$${VAR_DIR:-var}"

migrate: install-serve var-dir
	$(MANAGE) migrate --noinput

demo: install-serve
	TRACKER_TODAY=$(DEMO_TODAY) $(MANAGE) load_demo

run: install-serve var-dir
	$(MANAGE) migrate --noinput
	TRACKER_TODAY=$(DEMO_TODAY) $(MANAGE) load_demo
	@# One pass of every job on the demo's day, so its warnings, reminders and the January
	@# 2020 dispatch report are there at once (beat then runs them on schedule).
	TRACKER_TODAY=$(DEMO_TODAY) $(MANAGE) run_job all
	@$(MAKE) --no-print-directory serve

serve:
	@VENV=$(VENV) HOST=$(HOST) PORT=$(PORT) TRACKER_TODAY=$(DEMO_TODAY) bash scripts/serve.sh

test: install var-dir
	@VENV=$(VENV) bash scripts/run_tests.sh $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# check --deploy runs with production-like settings; the database and Redis named here are
# never contacted (system checks do not connect unless asked to with --database).
check: install var-dir
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check --fail-level WARNING
	DEBUG=0 \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	ALLOWED_HOSTS=ducha.example.gov.cn \
	CSRF_TRUSTED_ORIGINS=https://ducha.example.gov.cn \
	DATABASE_URL=postgres://ducha:ducha@db.invalid:5432/ducha \
	REDIS_URL=redis://redis.invalid:6379/0 \
	$(MANAGE) check --deploy --fail-level WARNING

# The UI's vendored assets (static/vendor) carry a sha256 manifest; this verifies the files.
verify-static: install
	@if [ -f scripts/verify_static.py ]; then \
		$(BIN)/python scripts/verify_static.py; \
	else \
		echo "verify-static: scripts/verify_static.py not present, nothing to verify"; \
	fi

# Compile the project's own translation catalogs (needs GNU gettext's msgfmt).
messages: install
	@if [ -d locale ]; then $(MANAGE) compilemessages --ignore=.venv; else echo "messages: no locale/ directory"; fi

clean:
	rm -rf $(VENV) *.egg-info .ruff_cache test-results
