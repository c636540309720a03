"""Fixtures for the jobs tests: a slow simulator, PostgreSQL (shared by processes), real Redis and real
Celery worker/beat subprocesses."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select

from espelho.config import Settings
from espelho.db import Database
from espelho.syncs.models import Sincronizacao
from tests.conftest import settings_env
from tests.helpers import (
    TEST_REDIS,
    RunningSimulator,
    empty_all_tables,
    migrated_database_url,
    running_simulator,
)

BACKEND = Path(__file__).resolve().parents[2]
ESPELHO = BACKEND / ".venv" / "bin" / "espelho"


def wait_for(predicate: Callable[[], Any], timeout_s: float = 60.0, interval_s: float = 0.1,
             what: str = "condition") -> Any:
    """Poll until `predicate()` is truthy (returned), failing the test after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(interval_s)


@pytest.fixture(scope="module")
def slow_simulator() -> Iterator[RunningSimulator]:
    """Upstreams with latency, so a sync lasts long enough to overlap, collide or be killed."""
    with running_simulator(seed=42, latency_ms=60.0, list_delay_s=3.0, rate_limit=100_000) as sim:
        yield sim


def recorded_runs(database: Database, **where: Any) -> list[Sincronizacao]:
    """Recorded sync runs, oldest first, filtered by column values."""
    with database.session() as session:
        query = select(Sincronizacao).order_by(Sincronizacao.id)
        for key, value in where.items():
            query = query.where(getattr(Sincronizacao, key) == value)
        return list(session.scalars(query))


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with migrated_database_url("postgresql", tmp_path_factory.mktemp("pg")) as url:
        yield url


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[Database]:
    db = Database(pg_url)
    try:
        yield db
    finally:
        empty_all_tables(db)
        db.dispose()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of its own for this test (emptied of the default prefix's Acessórias window)."""
    client = redis.Redis.from_url(TEST_REDIS)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not running at {TEST_REDIS} (`make test` starts it)")
    db = random.randint(8, 15)
    url = f"{TEST_REDIS}/{db}"
    yield url
    redis.Redis.from_url(url).delete("espelho:ratelimit:acessorias")


def slow_settings(database: Database, sim: RunningSimulator, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        database_url=database.url,
        comprasnet_base_url=sim.comprasnet_url,
        acessorias_base_url=sim.acessorias_url,
        acessorias_token="test-token",
        demo_mode=True,
        secret_key="test-secret-key-0123456789-abcdefghijklmnop",
        comprasnet_backoff_s=0.01,
        acessorias_backoff_s=0.01,
        acessorias_rate_limit=100_000,
        scheduler_enabled=False,
        log_level="WARNING",
    )
    values.update(overrides)
    return Settings(**values, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def celery_settings(pg_database: Database, slow_simulator: RunningSimulator, redis_url: str) -> Settings:
    return slow_settings(pg_database, slow_simulator, redis_url=redis_url,
                         redis_key_prefix=f"espelho-test-{uuid.uuid4().hex[:8]}:",
                         extra_job_modules=["tests.jobs.jobs_for_tests"])


class Processes:
    """Celery worker/beat subprocesses started by a test, each in its own process group, always stopped."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, settings: Settings, *args: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, **settings_env(settings), "PYTHONPATH": str(BACKEND)}
        log = open(self.tmp_path / f"{args[0]}-{len(self.running)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([str(ESPELHO), *args], cwd=self.tmp_path, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append(proc)
        return proc

    def worker(self, settings: Settings, concurrency: int = 1) -> subprocess.Popen[bytes]:
        return self.start(settings, "worker", "--concurrency", str(concurrency), "--loglevel", "warning")

    def beat(self, settings: Settings) -> subprocess.Popen[bytes]:
        return self.start(settings, "beat", "--schedule-file", str(self.tmp_path / "beat-schedule"),
                          "--loglevel", "warning")

    @staticmethod
    def kill(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the worker and its prefork children)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.tmp_path.glob("*.log")))

    def stop_all(self) -> None:
        for proc in self.running:
            if proc.poll() is None:
                self.kill(proc, signal.SIGTERM)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    try:
        yield procs
    finally:
        procs.stop_all()


def signed_in_client(settings: Settings, database: Database, role: str = "ADMIN") -> Any:
    from fastapi.testclient import TestClient

    from espelho.main import create_app
    from tests.helpers import create_user_with_token

    _, token = create_user_with_token(database, settings, role)
    return TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def slow_settings_inprocess(database: Database, slow_simulator: RunningSimulator) -> Settings:
    return slow_settings(database, slow_simulator)
