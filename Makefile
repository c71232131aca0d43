# Archive CRM. `make run` and `make test` work on a machine with only Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

# `make run` and `make dev` sign sessions with this key, made once per checkout (git ignores
# it), so a restart keeps everybody logged in.
SECRET_KEY_FILE ?= .local-secret-key
ALLOWED_HOSTS ?= $(HOST),127.0.0.1,localhost
# The demo serves as production does, with DEBUG off: a visitor sees the product's error
# pages, never a debug page, and WhiteNoise serves the collected static files compressed.
# It is plain http on this machine, so no HTTPS redirect and no secure-only cookies.
DEMO_ENV = DEBUG=0 SECRET_KEY="$$(cat $(SECRET_KEY_FILE))" ALLOWED_HOSTS="$(ALLOWED_HOSTS)" \
	SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0
STATIC_MANIFEST := staticfiles/staticfiles.json

.PHONY: run dev serve worker test lint format migrate seed messages check-messages venv clean backup restore bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo

$(SECRET_KEY_FILE): | $(VENV)/.installed
	@umask 077; $(BIN)/python -c "from django.core.management.utils import get_random_secret_key as key; print(key())" > $@.tmp
	@mv $@.tmp $@

# Collected again when the project's static files or the installed packages change.
$(STATIC_MANIFEST): $(shell find static -type f) $(VENV)/.installed | $(SECRET_KEY_FILE)
	@echo "Collecting the static files into staticfiles/"
	@$(DEMO_ENV) $(MANAGE) collectstatic --noinput --verbosity 0

run: seed $(SECRET_KEY_FILE) $(STATIC_MANIFEST)
	@echo "Serving Archive CRM on http://$(HOST):$(PORT)/ (log in with one of the users above; make dev for debugging)"
	@$(DEMO_ENV) $(MANAGE) runserver --noreload $(HOST):$(PORT)

# For developers: DEBUG on (Django's debug pages, static files straight from the apps) and
# the server restarts when the code changes.
dev: seed $(SECRET_KEY_FILE)
	@DEBUG=1 SECRET_KEY="$$(cat $(SECRET_KEY_FILE))" $(MANAGE) runserver $(HOST):$(PORT)

# Production: gunicorn (archive_crm/gunicorn_conf.py: WEB_CONCURRENCY workers, by default 2 × the
# cores + 1) with DEBUG off, on the PostgreSQL database of DATABASE_URL (migrated first), the
# sessions in it and a cache that every worker and host shares (CACHE_URL, by default a table of
# that database); slow work is queued in the database for `make worker`. SECRET_KEY comes from the environment, else from .local-secret-key;
# ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS from the environment. On a loopback address with no
# HTTPS proxy in front (USE_X_FORWARDED_PROTO unset) it is plain http, as for `make run`: the
# HTTPS redirect and secure-only cookies are off unless the environment turns them on. Anywhere
# else they stay on unless the environment turns them off.
SERVE_HTTP_ONLY = $(and $(filter 127.0.0.1 localhost ::1,$(HOST)),$(if $(filter 1 true yes on True Yes TRUE YES,$(USE_X_FORWARDED_PROTO)),,1))
SERVE_ENV = DEBUG=0 ALLOWED_HOSTS="$(ALLOWED_HOSTS)" \
	SECRET_KEY="$${SECRET_KEY:-$$(cat $(SECRET_KEY_FILE))}" \
	CACHE_URL="$${CACHE_URL:-dbcache://archive_crm_cache}" CONN_MAX_AGE="$${CONN_MAX_AGE:-60}" \
	TASKS_BACKEND="$${TASKS_BACKEND:-database}" \
	$(if $(SERVE_HTTP_ONLY),SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-0}" SECURE_COOKIES="$${SECURE_COOKIES:-0}")

serve: venv $(SECRET_KEY_FILE) $(STATIC_MANIFEST)
	@case "$$DATABASE_URL" in \
		postgres://*|postgresql://*|pgsql://*|postgis://*) ;; \
		*) echo "make serve runs on PostgreSQL only: set DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/NAME" >&2; exit 2;; \
	esac
	@$(SERVE_ENV) $(MANAGE) migrate --noinput
	@$(SERVE_ENV) $(MANAGE) createcachetable
	@echo "Serving Archive CRM with gunicorn on http://$(HOST):$(PORT)/ (health check: /healthz)"
	@$(SERVE_ENV) $(BIN)/gunicorn --config archive_crm/gunicorn_conf.py

# The background worker for `make serve`: runs the queued jobs (regrades, imports, large
# exports) from the database, with the same environment as the app servers. Start one or more
# next to them, on any host that reaches the database and the shared media storage.
worker: venv $(SECRET_KEY_FILE)
	@case "$$DATABASE_URL" in \
		postgres://*|postgresql://*|pgsql://*|postgis://*) ;; \
		*) echo "make worker runs on PostgreSQL only: set DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/NAME" >&2; exit 2;; \
	esac
	@echo "Running the background worker (queued jobs from the database)"
	@$(SERVE_ENV) TASKS_BACKEND=database $(MANAGE) db_worker --no-reload

test: venv
	$(BIN)/pytest

# One archive of the database (DATABASE_URL's, or the SQLite file) and the uploaded files:
# backups/archive-crm-<UTC time>.tar.gz, or FILE=… (a file or a directory).
backup: venv
	$(MANAGE) backup $(if $(FILE),--output "$(FILE)")

# Replaces the database and the uploaded files with an archive's, without asking.
restore: venv
	@if [ -z "$(FILE)" ]; then \
		echo "make restore needs the archive: make restore FILE=backups/archive-crm-….tar.gz" >&2; \
		echo "(it replaces the database and the uploaded files with the archive's)" >&2; \
		exit 2; \
	fi
	$(MANAGE) restore "$(FILE)" --noinput

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Translations: `make messages` refreshes the catalogue (needs GNU gettext);
# the compiled .mo is committed so a fresh checkout needs no gettext.
messages: venv
	$(MANAGE) makemessages --locale zh_Hans --ignore "$(VENV)/*" --ignore "tests/*" --ignore "bench/*" --no-obsolete
	$(MANAGE) compilemessages --locale zh_Hans --ignore "$(VENV)/*"

# CI: the committed .mo matches the .po, and every string in the code is translated.
check-messages: venv
	msgfmt --check-format -o /tmp/archive-crm-check.mo locale/zh_Hans/LC_MESSAGES/django.po
	cmp /tmp/archive-crm-check.mo locale/zh_Hans/LC_MESSAGES/django.mo
	$(MANAGE) makemessages --locale zh_Hans --ignore "$(VENV)/*" --ignore "tests/*" --ignore "bench/*" --no-obsolete
	@untranslated=$$(msgattrib --untranslated --no-obsolete locale/zh_Hans/LC_MESSAGES/django.po; \
		msgattrib --only-fuzzy --no-obsolete locale/zh_Hans/LC_MESSAGES/django.po); \
	git checkout -- locale; \
	if [ -n "$$untranslated" ]; then echo "Untranslated or fuzzy strings:"; echo "$$untranslated"; exit 1; fi

# `make bench`: the product at 100k customers and 2M sales lines on PostgreSQL, each figure
# beside its floor (DATABASE_URL if it is PostgreSQL, else a database archive_crm_bench on
# 127.0.0.1, seeded the first time); BENCH_ARGS="--runs 5 --duration 15 --only list,api"
# for a short run. The load generator, locust, has a virtualenv of its own (.venv-bench):
# it brings gevent and a pytest plugin that the test run must not load.
BENCH_VENV := .venv-bench

$(BENCH_VENV)/.installed: requirements-bench.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -r requirements-bench.txt
	touch $@

bench: venv $(BENCH_VENV)/.installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
