# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
WORKERS ?= 2
FLASK := $(BIN)/flask --app wsgi
TRANSLATIONS := peer_support/translations
CATALOGUES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run test lint bench install translations extract-messages clean

## run: install what is missing, upgrade the database, load demo data if empty, serve with the scheduler
run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty
	@echo "Serving on http://127.0.0.1:$(PORT) (demo accounts: see README.md). Ctrl-C stops both processes."
	@PEER_SUPPORT_ENV=$${PEER_SUPPORT_ENV:-development} bash -c '\
	  $(FLASK) scheduler & scheduler=$$!; \
	  trap "kill $$scheduler 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app'

## test: install what is missing, run the static checks, then the whole suite
test: install translations lint
	$(BIN)/pytest $(PYTEST_ARGS)

## lint: ruff (style, likely bugs) and bandit (security) on the code; configuration in pyproject.toml
lint: install
	$(BIN)/ruff check .
	$(BIN)/bandit -q -c pyproject.toml -r peer_support bench wsgi.py

## bench: generate the large data set once (bench/data/, reused), measure, write BENCHMARKS.md (DATABASE_URL: PostgreSQL)
bench: install translations
	$(BIN)/python -m bench.generate && $(BIN)/python -m bench.run

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

translations: install $(COMPILED)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS) -l $*

## extract-messages: refresh the catalogues after changing user-facing text
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o $(TRANSLATIONS)/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching

clean:
	rm -rf $(VENV)
