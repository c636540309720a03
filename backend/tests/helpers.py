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
