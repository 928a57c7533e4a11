# `make run` serves the dashboard; `make test` runs the whole suite. Both install what is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
STAMP := $(VENV)/.installed
OIDC_DIR := tests/e2e/oidc

.PHONY: install run test lint format bench clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml $(OIDC_DIR)/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m dashboard assets
	@# The OpenID Connect provider the sign-on browser tests run (tests/e2e/test_oidc.py).
	if command -v npm >/dev/null; then npm ci --prefix $(OIDC_DIR) --no-audit --no-fund --silent; \
	else echo "npm not found: tests/e2e/test_oidc.py will skip (and fail in CI)"; fi
	touch $(STAMP)

run: install
	$(BIN)/streamlit run dashboard/app.py --server.port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m benchmarks.map_build

clean:
	rm -rf $(VENV) $(OIDC_DIR)/node_modules .pytest_cache .ruff_cache .hypothesis dashboard/static/vendor/leaflet dashboard/static/vendor/leaflet-markercluster dashboard/static/vendor/jquery dashboard/static/vendor/leaflet-heat
