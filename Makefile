# The two commands of the README:
#   make demo   set everything up and run the demo on the sample inquiry in data/
#   make test   set everything up and run the whole test suite (ruff, mypy, pytest, docs)
# Both create .venv/ in the project root and install the package into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup lint typecheck pytest docs bench chromium nginx postgres clean

demo: setup
	$(BIN)/coprod demo

test: setup chromium nginx postgres lint typecheck pytest docs

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[widgets,live,text,test,docs,postgres,dask]"
	touch $(STAMP)

chromium:
	bash scripts/ensure-chromium.sh

# Debian's nginx for the reverse-proxy test (run as a child of the test, never as a service)
nginx:
	bash scripts/ensure-nginx.sh

# Debian's PostgreSQL for the session-store tests (started by the tests, as the postgres user)
postgres:
	bash scripts/ensure-postgres.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy checks the widgets and apps layers under their import names (coprod_widgets,
# coprod_apps), so that a call across layers is checked against the real signature: the
# folders are linked under those names in build/mypy (pyproject.toml: mypy_path, files).
typecheck: setup
	mkdir -p build/mypy
	ln -sfn ../../widgets build/mypy/coprod_widgets
	ln -sfn ../../voila_apps build/mypy/coprod_apps
	$(BIN)/mypy

# pytest exits 5 when it collects no test: make treats that (like any non-zero exit) as a
# failure, and scripts/check-test-count.py fails a run that executed suspiciously few tests.
pytest: setup
	$(BIN)/python -m pytest -p no:cacheprovider --junitxml=$(VENV)/junit.xml
	$(BIN)/python scripts/check-test-count.py $(VENV)/junit.xml

# The user guide, the architecture and the API reference (docs/), built offline with warnings
# as errors; the API pages are written from every public module's __all__ (docs/public_api.py).
docs: setup
	$(BIN)/python -m sphinx -W --keep-going -q -b html -d build/docs/doctrees docs build/docs/html

bench: setup
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build/docs docs/api
