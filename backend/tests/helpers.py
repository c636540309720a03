"""Test infrastructure shared by every domain: databases, the simulator over loopback, the API, the CLI."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from espelho import migrate
from espelho.db import Database
from espelho.models import Base

PG_ADMIN_URL = os.environ.get("ESPELHO_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_DATABASES = [d.strip() for d in os.environ.get("ESPELHO_TEST_DATABASES", "sqlite,postgresql").split(",")
                  if d.strip()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def fresh_database_url(kind: str, tmp_dir: Path) -> Iterator[str]:
    """An empty database of `kind` (sqlite | postgresql), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_dir / f'espelho-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"espelho_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def migrated_database_url(kind: str, tmp_dir: Path) -> Iterator[str]:
    with fresh_database_url(kind, tmp_dir) as url:
        migrate.upgrade(url)
        yield url


def empty_all_tables(database: Database) -> None:
    """Delete every row (children first), keeping the schema: cheaper than migrating per test."""
    with database.engine.begin() as conn:
        if database.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@dataclass
class RunningSimulator:
    base_url: str

    @property
    def comprasnet_url(self) -> str:
        return f"{self.base_url}/comprasnet/api"

    @property
    def acessorias_url(self) -> str:
        return f"{self.base_url}/acessorias"


class ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the main thread keeps its handlers
        pass


@contextmanager
def serve_in_thread(app: object, port: int) -> Iterator[str]:
    server = ThreadedServer(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def running_simulator(**options: object) -> Iterator[RunningSimulator]:
    from espelho.simulator.app import create_simulator_app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_simulator_app(base_url=base, **options)  # type: ignore[arg-type]
    with serve_in_thread(app, port):
        yield RunningSimulator(base)


# Hashing is deliberately slow; one hash per test session is enough for fixture users.
_FIXTURE_PASSWORD = "fixture-password-123"
_fixture_hash: str | None = None


def create_user_with_token(database: Database, settings: object, role: str = "ADMIN",
                           email: str | None = None) -> tuple[int, str]:
    """A user of `role` in `database` (password `fixture-password-123`) and a bearer token for it."""
    global _fixture_hash
    from espelho.auth.models import Usuario
    from espelho.auth.security import create_access_token, hash_password
    from espelho.clock import now_utc

    if _fixture_hash is None:
        _fixture_hash = hash_password(_FIXTURE_PASSWORD)
    with database.session() as session:
        user = Usuario(email=email or f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com", nome=role.title(),
                       senha_hash=_fixture_hash, role=role, ativo=True, criado_em=now_utc())
        session.add(user)
        session.flush()
        user_id = user.id
    return user_id, create_access_token(settings, user_id, role)  # type: ignore[arg-type]


def client_as(api: object, role: str) -> object:
    """Another TestClient on `api`'s running app, signed in as a new user of `role` (ADMIN|MANAGER|USER);
    `role=None`-like use: see the `anon_api` fixture for a client without a token."""
    from fastapi.testclient import TestClient

    app = api.app  # type: ignore[attr-defined]
    _, token = create_user_with_token(app.state.database, app.state.settings, role)
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})
