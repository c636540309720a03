"""Fixtures for every domain. Each database-backed test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from espelho.config import Settings
from espelho.db import Database
from espelho.main import create_app
from tests.helpers import (
    TEST_DATABASES,
    RunningSimulator,
    create_user_with_token,
    empty_all_tables,
    migrated_database_url,
    running_simulator,
)


@pytest.fixture(scope="session", params=TEST_DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database per backend, shared by the session; tests empty it after themselves."""
    with migrated_database_url(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    try:
        yield db
    finally:
        empty_all_tables(db)
        db.dispose()


@pytest.fixture(scope="session")
def simulator() -> Iterator[RunningSimulator]:
    """Both fake upstreams over loopback, with no added latency. Tests reset it through its control API."""
    with running_simulator(seed=42, latency_ms=0.0, list_delay_s=0.0, rate_limit=100_000) as sim:
        yield sim


@pytest.fixture
def settings(database: Database, simulator: RunningSimulator) -> Settings:
    return settings_for(database.url, simulator)


def settings_for(database_url: str, simulator: RunningSimulator) -> Settings:
    """What the app runs with in tests: `database_url`, the simulators, fast retries, no schedule."""
    return Settings(
        database_url=database_url,
        comprasnet_base_url=simulator.comprasnet_url,
        acessorias_base_url=simulator.acessorias_url,
        acessorias_token="test-token",
        demo_mode=True,
        secret_key="test-secret-key-0123456789-abcdefghijklmnop",
        # Fast retries keep failure tests quick; the behaviour under test is the same.
        comprasnet_backoff_s=0.01,
        acessorias_backoff_s=0.01,
        comprasnet_child_timeout_s=2.0,
        acessorias_rate_limit=100_000,
        # No background schedule firing in the middle of unrelated tests.
        scheduler_enabled=False,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def api(settings: Settings, database: Database) -> Iterator[TestClient]:
    """A client signed in as an ADMIN user created in the test database. For other roles use
    `tests.helpers.client_as(api, "MANAGER")`; for no token, `anon_api`."""
    _, token = create_user_with_token(database, settings, "ADMIN")
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


@pytest.fixture
def anon_api(settings: Settings) -> Iterator[TestClient]:
    """A client without a token (401 on every /api route but the public ones)."""
    with TestClient(create_app(settings)) as client:
        yield client


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a CLI process see `settings`."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        env[f"ESPELHO_{name.upper()}"] = str(raw).lower() if isinstance(raw, bool) else str(raw)
    return env


@pytest.fixture
def cli(settings: Settings) -> Callable[..., Result]:
    """Run `espelho ARGS…` in-process with the test settings in its environment."""
    from espelho.cli import app

    runner = CliRunner()
    env = settings_env(settings)

    def run(*args: str, **kwargs: Any) -> Result:
        return runner.invoke(app, list(args), env={**os.environ, **env}, catch_exceptions=False, **kwargs)

    return run
