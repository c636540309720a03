# Espelho — every target is idempotent and works on a fresh clone with python3, pip, node and npm.
SHELL := /bin/bash
BACKEND := backend
VENV := $(BACKEND)/.venv
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: install demo test test-backend lint bench clean

$(VENV)/bin/espelho: $(BACKEND)/pyproject.toml $(BACKEND)/uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	cd $(BACKEND) && $(UV) sync --frozen --quiet
	@touch $@

install: $(VENV)/bin/espelho ## Create backend/.venv with the `espelho` command

demo: install ## Run Espelho on SQLite against the simulators, populated, at http://127.0.0.1:8000
	bash scripts/demo.sh

test: install ## Every test (SQLite and PostgreSQL; Redis and Celery where jobs are involved)
	cd $(BACKEND) && .venv/bin/pytest

lint: install
	cd $(BACKEND) && .venv/bin/ruff check src tests bench && .venv/bin/mypy src

clean:
	rm -rf $(BACKEND)/.venv .demo
