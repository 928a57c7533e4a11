# `make run` serves the dashboard; `make test` runs the whole suite. Both install what is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# Test processes: 4 on 2 cores (the suite is bound by CPU: 6 took longer; see the README's
# "Test suite time").
JOBS ?= 4
STAMP := $(VENV)/.installed
OIDC_DIR := tests/e2e/oidc
LOCALES := dashboard/locale

.PHONY: install run test test-fast lint format bench bench-api lock clean messages

# The map's files and their bundle, and the compiled catalogues, every time: both follow the code.
install: $(STAMP)
	$(BIN)/python -m dashboard assets
	$(BIN)/pybabel -q compile -d $(LOCALES) -D messages

# After changing the interface's words: extract them all into messages.pot, then add the new ones
# (untranslated) to every language's .po; tests/test_catalogue.py fails until each is translated.
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F $(LOCALES)/babel.cfg --no-location --sort-output \
		--project dashboard --copyright-holder "the dashboard's authors" \
		-o $(LOCALES)/messages.pot dashboard
	$(BIN)/pybabel -q update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages \
		--no-fuzzy-matching --ignore-obsolete

# constraints.txt pins every transitive dependency to what CI tested (`make lock` renews it).
$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml $(OIDC_DIR)/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@# The OpenID Connect provider the sign-on browser tests run (tests/e2e/test_oidc.py).
	if command -v npm >/dev/null; then npm ci --prefix $(OIDC_DIR) --no-audit --no-fund --silent; \
	else echo "npm not found: tests/e2e/test_oidc.py will skip (and fail in CI)"; fi
	touch $(STAMP)

run: install
	$(BIN)/streamlit run dashboard/server.py --server.port $(PORT)

# Lint first: ruff, the format check and mypy, then every test (browser and PostgreSQL included).
test: lint
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(PYTEST_ARGS)

# Everything but the browser tests.
test-fast: lint
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile -m "not e2e" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# The read API's CSV against pandas' to_csv (README, "Performance"); BENCH_ARGS="--huge" adds 1M.
bench-api: install
	$(BIN)/python -m benchmarks.api $(BENCH_ARGS)

# Re-resolve the pins after changing requirements*.txt: a fresh venv, then freeze it.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -r requirements-dev.txt
	.lock-venv/bin/python -m pip freeze --exclude-editable | sort -f > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) $(OIDC_DIR)/node_modules .pytest_cache .ruff_cache .mypy_cache .hypothesis dashboard/static/vendor/leaflet dashboard/static/vendor/leaflet-markercluster dashboard/static/vendor/jquery dashboard/static/vendor/leaflet-heat dashboard/static/map/bundle.js $(LOCALES)/*/LC_MESSAGES/*.mo
