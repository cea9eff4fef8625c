# Tinko: `make run` starts everything on the embedded default; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HTMX_VERSION := 2.0.11
# `make run`'s web port; links in emails and payer pages follow it unless PUBLIC_BASE_URL is set.
PORT ?= 8000

.PHONY: run test setup lint typecheck pytest bench-http bench-server bench-ingest bench-webhooks bench-purge bench-dispatch bench-emails bench-imports bench-portal vendor-htmx clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Tinko needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

setup: $(INSTALLED)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_periodic_tasks
	$(BIN)/python manage.py load_demo

run: setup
	@echo "Tinko: http://127.0.0.1:$(PORT)  (Ctrl-C stops web, worker and beat)"
	PATH="$(CURDIR)/$(BIN):$$PATH" PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)}" \
		$(BIN)/honcho start --port $(PORT)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy .

pytest: $(INSTALLED)
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# Benchmarks run against a server that is already up (`make run`, or gunicorn on PostgreSQL).
BENCH_URL ?= http://127.0.0.1:8000
bench-http: $(INSTALLED)
	$(BIN)/python -m bench.http_basics --url $(BENCH_URL) $(BENCH_ARGS)

# The ingest benchmark needs the server to run with bench.settings (it adds the baseline view).
BENCH_WORKERS ?= 5
bench-server: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/gunicorn tinko.wsgi:application \
		--workers $(BENCH_WORKERS) --bind $(patsubst http://%,%,$(BENCH_URL))

bench-ingest: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python -m bench.ingest --url $(BENCH_URL) $(BENCH_ARGS)

# The pay page beside a bare-Django page; the server runs with bench.settings on the same database.
bench-portal: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python -m bench.portal --url $(BENCH_URL) $(BENCH_ARGS)

# Uses the server's own settings (DATABASE_URL, REDIS_URL, GATEWAY_ENCRYPTION_KEYS) to sign its events.
bench-webhooks: $(INSTALLED)
	$(BIN)/python -m bench.webhooks --url $(BENCH_URL) $(BENCH_ARGS)

# Fills and purges expired idempotency keys in the database of DATABASE_URL (PostgreSQL).
bench-purge: $(INSTALLED)
	$(BIN)/python -m bench.purge $(BENCH_ARGS)

# Attempts executed per second by one worker process (PostgreSQL and Redis: DATABASE_URL, REDIS_URL).
bench-dispatch: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=bench.dispatch_settings $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=bench.dispatch_settings $(BIN)/python -m bench.dispatch $(BENCH_ARGS)

# Process time per recovery email, 50 a call as a worker task sends them (PostgreSQL: DATABASE_URL).
bench-emails: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=bench.dispatch_settings $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=bench.dispatch_settings $(BIN)/python -m bench.emails $(BENCH_ARGS)

# A CSV import of --rows failed payments, in process: rows/s and resident memory (DATABASE_URL).
bench-imports: $(INSTALLED)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python -m bench.imports $(BENCH_ARGS)

vendor-htmx:
	cd $$(mktemp -d) && npm pack --silent htmx.org@$(HTMX_VERSION) && tar xzf htmx.org-$(HTMX_VERSION).tgz \
		&& cp package/dist/htmx.min.js package/LICENSE $(CURDIR)/static/vendor/htmx/

clean:
	rm -rf $(VENV) var staticfiles
