# Two commands on a fresh machine: `make demo` and `make test`. Both are safe to repeat.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VAR := var
LOCALE := src/ojodeagua/locale
# axe-core checks the pages' accessibility in the browser tests (web/tests/test_axe_browser.py);
# geojson-schema is the GeoJSON JSON Schema the desk's exports are validated against
# (desk/tests/test_exports.py). npm puts both in a local node_modules, in one install (a second
# `npm install` would prune the first as extraneous); nothing is saved to a package.json.
GEOJSON_SCHEMA := node_modules/geojson-schema/FeatureCollection.json
NODE_TOOLS := node_modules/.ojodeagua-tools-1
export OJODEAGUA_VAR_DIR ?= $(CURDIR)/$(VAR)
# `PORT=8001 make demo` serves the demo on another port.
PORT ?= 8000

.PHONY: demo test test-fast serve translations messages lint bench bench-indicators bench-books load clean

demo: $(VENV)/.installed translations
	DEBUG=1 $(BIN)/ojodeagua migrate --noinput -v 0
	DEBUG=1 $(BIN)/ojodeagua load-demo --replace-outdated
	@echo "Abra http://127.0.0.1:$(PORT) (Ctrl+C para detener)."
	DEBUG=1 $(BIN)/ojodeagua runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-test translations $(NODE_TOOLS)
	@[ -x /usr/bin/chromium ] || [ -n "$$CHROMIUM" ] || $(BIN)/playwright install chromium || \
		echo "Aviso: no hay Chromium; las pruebas de navegador fallarán."
	$(BIN)/ruff check src benchmarks
	$(BIN)/lint-imports
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

$(NODE_TOOLS):
	npm install --no-save --no-audit --no-fund axe-core@4 geojson-schema@1
	touch $@

# The edit loop: no browser tests, stop at the first failure. `make test-fast T=src/ojodeagua/books`
# runs one app (a single file answers in a few seconds once the demo template is cached).
T ?= src
test-fast: $(VENV)/.installed-test
	$(BIN)/pytest -q -x -m "not browser" $(if $(filter src,$(T)),-n auto,) $(PYTEST_ARGS) $(T)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

# Compiled catalogues are build output (not committed); Babel compiles them without GNU gettext.
translations: $(VENV)/.installed
	@$(BIN)/pybabel compile --domain django --directory $(LOCALE) --statistics 2>&1 | grep -v "^$$" || true

# For developers with GNU gettext: refresh the English catalogue after changing strings.
messages: $(VENV)/.installed
	cd src/ojodeagua && ../../$(BIN)/ojodeagua makemessages --locale en --no-obsolete \
		--ignore "*/tests/*"

# lint-imports: imports flow one way (the layers and the no-cycle contract in pyproject.toml).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check src benchmarks
	$(BIN)/ruff format --check src benchmarks
	$(BIN)/lint-imports

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/import_localities.py

# Needs PostgreSQL on 127.0.0.1:5432; drops and rebuilds the database ojodeagua_bench.
# BENCH_ARGS="--scale 0.05" for a quick run, "--keep" to reuse the data set already built.
bench-indicators: $(VENV)/.installed-test
	$(BIN)/python benchmarks/indicators_state.py $(BENCH_ARGS)

# Needs PostgreSQL on 127.0.0.1:5432; drops and rebuilds the database ojodeagua_bench_books
# (500,000 households, 6 million payments, 12 million ledger entries: 13 GB, ~11 min to build).
# BENCH_ARGS="--scale 0.01" for a quick run, "--keep" to reuse the data set already built.
bench-books: $(VENV)/.installed-test
	$(BIN)/python benchmarks/books_state.py $(BENCH_ARGS)

# Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379; drops and rebuilds the database
# ojodeagua_load. 50 field people and 10 coordinators against Gunicorn for 5 minutes (10-15
# minutes in all with the demo's build and the sign-ins). LOAD_ARGS="--smoke" for a 15-second
# run, "--keep" to reuse the database built before. What it measured: docs/scaling.md.
$(VENV)/.installed-load: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[load]"
	touch $@ $(VENV)/.installed

load: $(VENV)/.installed-load translations
	$(BIN)/python benchmarks/load_test.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) $(VAR) node_modules
