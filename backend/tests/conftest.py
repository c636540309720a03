"""Fixtures for every domain. Each database-backed test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from espelho.clock import SAO_PAULO
from espelho.config import Settings
from espelho.db import Database
from espelho.main import create_app
from tests.helpers import (
    TEST_DATABASES,
    RunningSimulator,
    Sim,
    create_user_with_token,
    empty_all_tables,
    migrated_database_url,
    running_simulator,
)

# Under libfaketime (the suite run on another date) two things break that are not about dates: it cannot
# intercept sem_clockwait, so a thread waiting with a timeout (APScheduler's loop) never wakes, and with
# FAKETIME="@…" every process starts its own clock at that instant, so timestamps written by two worker
# processes cannot be compared. Those tests run in every normal `make test`.
UNDER_LIBFAKETIME = "faketime" in os.environ.get("LD_PRELOAD", "")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if UNDER_LIBFAKETIME:
        skip = pytest.mark.skip(reason="needs the real clock; libfaketime fakes it per process")
        for item in items:
            if item.get_closest_marker("real_clock"):
                item.add_marker(skip)


# The 1st, the 15th and the last day of a month (a leap day): the syncs must not care which day it is.
MONTH_DAYS = [date(2028, 2, 1), date(2028, 2, 15), date(2028, 2, 29)]


@pytest.fixture
def frozen_day(request: pytest.FixtureRequest) -> Iterator[date]:
    """The clock moved to 10:00 in Brasília on `request.param` (parametrize with `indirect=True`), and
    ticking from there so that timeouts and durations still pass. Put it first among a test's
    fixtures, so that tokens and simulated worlds are made on that day too."""
    day: date = request.param
    with time_machine.travel(datetime.combine(day, time(10, 0), SAO_PAULO), tick=True):
        yield day


def on_month_days(test: Callable[..., Any]) -> Callable[..., Any]:
    return pytest.mark.parametrize("frozen_day", MONTH_DAYS, indirect=True, ids=str)(test)


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
def sim(simulator: RunningSimulator) -> Iterator[Sim]:
    """The Comprasnet simulator's control API, reset before and after each test so that faults and
    counters never leak between tests. tests/acessorias overrides `sim` with the Acessórias one."""
    handle = Sim(simulator)
    handle.reset()
    try:
        yield handle
    finally:
        handle.reset()
        handle.http.close()


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
    """Run `espelho ARGS…` in-process with the test settings in its environment (`env=` overrides some)."""
    from espelho.cli import app

    runner = CliRunner()
    base = settings_env(settings)

    def run(*args: str, env: dict[str, str] | None = None, **kwargs: Any) -> Result:
        return runner.invoke(app, list(args), env={**os.environ, **base, **(env or {})},
                             catch_exceptions=False, **kwargs)

    return run
