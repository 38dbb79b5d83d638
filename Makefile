# The two commands: `make run` (site with demo data on embedded defaults) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run prod test faults loadtest lint bench install install-dev browser clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/ (HTTP and WebSocket). Stop with Ctrl-C."
	$(VENV)/bin/uvicorn config.asgi:application --host 127.0.0.1 --port $(PORT) \
		--ws-per-message-deflate false --lifespan off --no-access-log --no-proxy-headers

# The production topology (Procfile: web x2, Celery worker, beat) on DATABASE_URL/REDIS_URL.
prod: install
	@bash scripts/prod.sh

browser:
	@bash scripts/ensure-chromium.sh

lint: install-dev
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# Browser journeys run in their own pytest process: Playwright's sync API keeps an event loop
# running in its thread, which would break async tests (Channels) sharing a worker with it.
test: install-dev browser lint
	$(VENV)/bin/pytest -m "not e2e and not faults"
	$(VENV)/bin/pytest -m e2e -n 0

# Simulated members against a running `make prod` (same DATABASE_URL, REDIS_URL, PORT).
loadtest: install-dev
	@bash scripts/loadtest.sh

# Fault injection on the real topology (own Redis and PostgreSQL, two web processes, a Celery
# worker and beat): Redis and PostgreSQL restarted, processes killed. Counts lost and doubled.
faults: install-dev
	$(VENV)/bin/pytest -m faults -n 0 tests/faults tests/chat/test_bench_chat.py

# Issue 18's figures as ratios to references measured in the same run (bench/run.py): pages
# in-process and over HTTP, the chat at 100 and 500 sockets beside a bare Channels room. Needs
# PostgreSQL and Redis on 127.0.0.1 (its own database, dropped after). BENCH_ARGS=--quick.
bench: install
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 test_db*.sqlite3 staticfiles .pytest_cache .ruff_cache
