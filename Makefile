# Espelho — every target is idempotent and works on a fresh clone with python3, pip, node and npm.
SHELL := /bin/bash
BACKEND := backend
FRONTEND := frontend
VENV := $(BACKEND)/.venv
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
WEB_SOURCES := $(shell find $(FRONTEND)/src $(FRONTEND)/public $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts -type f 2>/dev/null)

.PHONY: install demo test test-setup test-backend test-frontend web lint bench clean

$(VENV)/bin/espelho: $(BACKEND)/pyproject.toml $(BACKEND)/uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	cd $(BACKEND) && $(UV) sync --frozen --quiet
	@touch $@

$(FRONTEND)/node_modules/.package-lock.json: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(FRONTEND)/dist/index.html: $(FRONTEND)/node_modules/.package-lock.json $(WEB_SOURCES)
	cd $(FRONTEND) && npm run build --silent

install: $(VENV)/bin/espelho $(FRONTEND)/node_modules/.package-lock.json ## backend/.venv with `espelho`, and the web app's packages

web: $(FRONTEND)/dist/index.html ## Build the web app (served by `espelho serve` at /)

demo: install web ## Run Espelho on SQLite against the simulators, populated, at http://127.0.0.1:8000
	bash scripts/demo.sh

test: test-backend test-frontend ## Every test: backend (SQLite, PostgreSQL, Redis, Celery) and web app (unit + e2e)

test-setup: ## PostgreSQL and Redis up on loopback, Debian's chromium installed
	bash scripts/test-setup.sh

test-backend: install test-setup
	cd $(BACKEND) && .venv/bin/pytest

test-frontend: install web test-setup
	cd $(FRONTEND) && npm run check-client && npm test && npm run e2e

lint: install
	cd $(BACKEND) && .venv/bin/ruff check src tests bench && .venv/bin/mypy src

clean:
	rm -rf $(VENV) $(FRONTEND)/node_modules $(FRONTEND)/dist .demo
