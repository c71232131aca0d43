# Archive CRM. `make run` and `make test` work on a machine with only Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrate seed messages check-messages venv clean

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

run: seed
	@echo "Serving Archive CRM on http://$(HOST):$(PORT)/ (log in with one of the users above)"
	$(MANAGE) runserver $(HOST):$(PORT)

test: venv
	$(BIN)/pytest

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

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
