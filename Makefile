# confapp — the two commands: `make run` (app + demo on http://127.0.0.1:5000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app confapp
HOST ?= 127.0.0.1
PORT ?= 5000
MO := confapp/translations/da/LC_MESSAGES/messages.mo

.PHONY: run test install system-deps migrate demo serve translations lint bench clean

run: install migrate demo serve  ## set up and serve the app with the demo on SQLite

install: $(VENV)/.installed $(MO)

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

$(MO): confapp/translations/da/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d confapp/translations

migrate: install
	$(FLASK) db upgrade

demo: install
	$(FLASK) demo load

serve:  ## the app, a mail worker and a local mail sink that prints each mail
	HOST=$(HOST) PORT=$(PORT) scripts/run-dev.sh

system-deps:
	scripts/system-deps.sh

test: install system-deps  ## every test, on SQLite and on a throwaway PostgreSQL
	scripts/test.sh

translations: install  ## extract strings and update the Danish catalogue
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_ngettext:1,2 -o confapp/translations/messages.pot --no-location --sort-output -w 100 --project confapp .
	$(BIN)/pybabel update -i confapp/translations/messages.pot -d confapp/translations -w 100
	$(BIN)/pybabel compile -d confapp/translations

lint: install
	$(BIN)/ruff check confapp tests bench

clean:
	rm -rf $(VENV) build *.egg-info
