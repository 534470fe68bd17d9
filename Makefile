# Ceasefire Monitor: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run serve test bench lint browser clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py seed
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production: behind a TLS-terminating proxy that sets X-Forwarded-Proto (README, "Deploying").
# Refuses to start without its two settings or with any deployment warning.
serve: $(VENV)/.installed
	@test -n "$$DJANGO_SECRET_KEY" || { echo "make serve: set DJANGO_SECRET_KEY (README, 'Settings')." >&2; exit 1; }
	@test -n "$$DJANGO_ALLOWED_HOSTS" || { echo "make serve: set DJANGO_ALLOWED_HOSTS (README, 'Settings')." >&2; exit 1; }
	DJANGO_DEBUG= $(PY) manage.py check --deploy --fail-level WARNING
	DJANGO_DEBUG= $(PY) manage.py collectstatic --noinput --verbosity 0
	DJANGO_DEBUG= $(PY) manage.py migrate --noinput
	DJANGO_DEBUG= PORT=$(PORT) exec $(BIN)/gunicorn --config config/gunicorn.conf.py config.wsgi

# The browser tests use a system Chromium when there is one, Playwright's own otherwise.
browser: $(VENV)/.installed-dev
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
		|| command -v google-chrome >/dev/null || $(BIN)/playwright install chromium

test: $(VENV)/.installed-dev browser
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(PY) -m pytest

# Pages at scale on PostgreSQL (BENCH_DATABASE_URL, 10,000 proposals): from the page cache,
# rendered, and with every cache cold; then the layers export at 10,000 and 100,000 rows
# (BENCH_EXPORT_DATABASE_URL, 34,000 proposals); then wrk against `make serve` on the first
# database (32 connections, 30 s after 5 s of warm-up); then two `make serve` sharing one Redis
# (BENCH_CACHE_URL, a database of its own that is emptied first), wrk on both while an analyst
# saves through one and reads back from the other, and each worker's memory; then Ceasefire
# Monitor beside Datasette on one SQLite file (var/bench.sqlite3; Datasette in var/datasette-venv,
# both made once). Every step runs even when one before it counted errors; bench_goals.py then
# prints the goals beside the figures and fails if a step broke. All figures go to bench-results.json. 10 to 20 minutes; needs
# wrk (apt-get install wrk) and Redis.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ceasefire_bench
BENCH_EXPORT_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ceasefire_bench_export
BENCH_CACHE_URL ?= redis://127.0.0.1:6379/7
bench: $(VENV)/.installed-dev
	@command -v wrk >/dev/null || { echo "make bench: the load test needs wrk (apt-get install wrk)." >&2; exit 1; }
	$(PY) manage.py collectstatic --noinput --verbosity 0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py bench --proposals 10000 --output bench-results.json
	DATABASE_URL=$(BENCH_EXPORT_DATABASE_URL) $(PY) manage.py bench --proposals 34000 \
		--export-rows 10000 100000 --output bench-results.json
	-$(PY) scripts/loadtest.py --database-url $(BENCH_DATABASE_URL) --connections 32 --duration 30 \
		--output bench-results.json
	-$(PY) scripts/bench_servers.py --database-url $(BENCH_DATABASE_URL) --cache-url $(BENCH_CACHE_URL) \
		--connections 16 --duration 30 --output bench-results.json
	-$(PY) scripts/bench_datasette.py --cache-url $(BENCH_CACHE_URL) --duration 20 \
		--output bench-results.json
	$(PY) scripts/bench_goals.py bench-results.json

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles
