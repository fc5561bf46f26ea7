# confapp — the two commands: `make run` (app + demo on http://127.0.0.1:5000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app confapp
HOST ?= 127.0.0.1
PORT ?= 5000
MO := confapp/translations/da/LC_MESSAGES/messages.mo
PIP := $(BIN)/python -m pip install --disable-pip-version-check -q

.PHONY: run test install install-dev system-deps migrate demo serve translations lint bench clean

run: install migrate demo serve  ## set up and serve the app with the demo on SQLite

install: $(VENV)/.installed-run $(MO)  ## what running needs (no test tools)

install-dev: install $(VENV)/.installed-dev  ## plus pytest, Playwright, ruff … for `make test`

# pip's chatter goes to a log that is shown only when the install fails.
$(VENV)/.installed-run: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing confapp into $(VENV) (the first time takes a minute) …"
	@$(PIP) -e '.[local]' > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed-run
	@echo "Installing the test tools into $(VENV) …"
	@$(PIP) -e '.[dev]' > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $@

$(MO): confapp/translations/da/LC_MESSAGES/messages.po $(VENV)/.installed-run
	@$(BIN)/pybabel compile -d confapp/translations > /dev/null 2>&1 \
	  || $(BIN)/pybabel compile -d confapp/translations

# Alembic's log is kept in instance/ and shown only when a migration fails.
migrate: install
	@mkdir -p instance
	@$(FLASK) db upgrade > instance/migrate.log 2>&1 || { cat instance/migrate.log; exit 1; }

demo: install
	@$(FLASK) demo load

serve:  ## the app, a mail worker and a local mail sink that prints a line per mail
	@HOST=$(HOST) PORT=$(PORT) exec scripts/run-dev.sh

system-deps:
	scripts/system-deps.sh

test: install-dev system-deps  ## every test, on SQLite and on a throwaway PostgreSQL
	scripts/test.sh

translations: install-dev  ## extract strings and update the Danish catalogue
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_ngettext:1,2 -o confapp/translations/messages.pot --no-location --sort-output -w 100 --project confapp .
	$(BIN)/pybabel update -i confapp/translations/messages.pot -d confapp/translations -w 100 --no-fuzzy-matching
	$(BIN)/pybabel compile -d confapp/translations

lint: install-dev
	$(BIN)/ruff check confapp tests bench

clean:
	rm -rf $(VENV) build *.egg-info
