# LEAD Portal: the two commands are `make run` (demo on http://127.0.0.1:8000) and `make test`.
# GNU make. Everything runs from the project's own virtual environment (.venv) and node_modules.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PY_STAMP  := $(VENV)/.requirements.stamp
NPM_STAMP := node_modules/.package-lock.stamp

# CI passes these as `make test REQUIRE_SERVICES=1 REQUIRE_BROWSER=1` (or in the environment).
REQUIRE_SERVICES ?= 0
REQUIRE_BROWSER  ?= 0
export REQUIRE_SERVICES REQUIRE_BROWSER

.PHONY: help venv run test lint typecheck format worker clean distclean

help:
	@echo "make run        set up, migrate, load the demo data and serve on http://127.0.0.1:8000"
	@echo "make test       ruff, mypy, then pytest (fast suite; integration and e2e when available)"
	@echo "                REQUIRE_SERVICES=1 / REQUIRE_BROWSER=1 turn those skips into failures"
	@echo "make venv       create .venv (Python >= 3.12) and install Python and npm packages"
	@echo "make lint       ruff check and ruff format --check"
	@echo "make typecheck  mypy"
	@echo "make format     ruff check --fix, then ruff format"
	@echo "make worker     a Celery worker on the default and compute queues (needs REDIS_URL)"
	@echo "make clean      remove caches and build output (make distclean also .venv, node_modules, var)"

# --- environment ---------------------------------------------------------------------------------

venv: $(PY_STAMP) $(NPM_STAMP)

# (Re)create the venv when it is missing or its interpreter no longer runs or is older than 3.12,
# then install the pinned requirements. The stamp skips this while the requirements are unchanged.
$(PY_STAMP): requirements.txt requirements-dev.txt scripts/find-python
	@if ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		python=$$(sh scripts/find-python) || exit 1; \
		echo "Creating $(VENV) with $$python ($$($$python -V 2>&1))"; \
		rm -rf $(VENV) && "$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --disable-pip-version-check --no-input -q -r requirements-dev.txt
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# --- run -----------------------------------------------------------------------------------------

# The embedded default: SQLite in var/, Celery eager, DEBUG on. The local .env (never committed)
# keeps DEBUG on and a generated secret key, so manage.py commands run by hand work too.
run: export DEBUG = true
run: venv .env
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	$(PY) manage.py runserver 127.0.0.1:8000

.env: | $(PY_STAMP)
	@echo "Writing .env for local development (DEBUG on, a generated DJANGO_SECRET_KEY); it is never committed."
	@printf '# Local development settings, written by make run. Never commit this file.\nDEBUG=true\nDJANGO_SECRET_KEY=%s\n' \
		"$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env

worker: venv
	@if [ -z "$$REDIS_URL" ]; then \
		echo "warning: REDIS_URL is not set: the worker uses an in-memory broker no web process can reach"; \
	fi
	$(BIN)/celery -A lead_portal worker -Q default,compute -l info

# --- checks --------------------------------------------------------------------------------------

test: venv
	bash scripts/test.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy .

format: venv
	$(BIN)/ruff check --fix --exit-zero .
	$(BIN)/ruff format .

# --- housekeeping --------------------------------------------------------------------------------

clean:
	rm -rf .mypy_cache .ruff_cache .pytest_cache staticfiles test-results var/test.sqlite3
	find . -path ./$(VENV) -prune -o -path ./node_modules -prune -o -name __pycache__ -type d -print0 \
		| xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV) node_modules var
