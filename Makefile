# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
CATALOGUES := $(wildcard coopcenter/locale/*/LC_MESSAGES/django.po)

.PHONY: help install lock lock-upgrade run test lint format messages translations bench bench-import stack clean

help:
	@echo "make run    serve the portal with demo data on http://127.0.0.1:8000"
	@echo "make test   lint, migration check and the whole test suite"
	@echo "make bench  benchmark the pages (PostgreSQL when reachable)"
	@echo "make bench-import  time importing 100,000 co-ops into PostgreSQL"
	@echo "make lock   re-pin requirements*.lock after a change to pyproject.toml's dependencies"
	@echo "make stack  gunicorn + Celery worker + beat against DATABASE_URL and REDIS_URL"

$(PY):
	$(PYTHON) -m venv $(VENV)

# Exactly the pinned, hash-checked versions of requirements-dev.lock, then the project itself
# without letting pip resolve anything more. A new lock file reinstalls.
$(STAMP): requirements-dev.lock pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# After a change to pyproject.toml's dependency lists: re-pin (keeping the pins it still
# allows) and commit both lock files. lock-upgrade moves every pin to the newest release.
lock: $(STAMP)
	$(PY) -m tools.lock

lock-upgrade: $(STAMP)
	$(PY) -m tools.lock --upgrade

# The compiled catalogues are committed, so a machine without gettext still serves Korean;
# where msgfmt exists they are rebuilt whenever a .po file is newer.
messages: $(STAMP)
	@for po in $(CATALOGUES); do \
	  mo=$${po%.po}.mo; \
	  if [ ! -f "$$mo" ] || [ "$$po" -nt "$$mo" ]; then \
	    if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages --ignore=.venv -v0; break; \
	    else echo "msgfmt not found: using the committed $$mo"; fi; \
	  fi; \
	done

# Refresh the catalogues from the code and templates (needs gettext).
translations: $(STAMP)
	$(PY) manage.py makemessages -l ko -l en --no-obsolete --ignore=.venv --ignore=var --ignore=bench --ignore=tests

run: messages
	mkdir -p var
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py migrate --noinput
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py seed_demo
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: messages lint
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

bench: messages
	$(PY) -m bench

bench-import: messages
	$(PY) -m bench.import_coops

stack: messages
	$(PY) -m coopcenter.stack

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
