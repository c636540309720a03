"""Loopback harness shared by the tests and the benchmarks: free ports, scratch databases, servers in
threads, the simulators. Never used by the running application."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from espelho import migrate
from espelho.simulator.app import create_simulator_app

# A PostgreSQL database the harness can connect to in order to create and drop scratch databases.
PG_ADMIN_URL = os.environ.get("ESPELHO_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def fresh_database_url(kind: str, tmp_dir: Path, admin_url: str = PG_ADMIN_URL) -> Iterator[str]:
    """An empty database of `kind` (sqlite | postgresql), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_dir / f'espelho-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"espelho_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def migrated_database_url(kind: str, tmp_dir: Path, admin_url: str = PG_ADMIN_URL) -> Iterator[str]:
    with fresh_database_url(kind, tmp_dir, admin_url) as url:
        migrate.upgrade(url)
        yield url


@dataclass
class RunningSimulator:
    base_url: str

    @property
    def comprasnet_url(self) -> str:
        return f"{self.base_url}/comprasnet/api"

    @property
    def acessorias_url(self) -> str:
        return f"{self.base_url}/acessorias"

    @property
    def whatsapp_url(self) -> str:
        return f"{self.base_url}/whatsapp/v23.0"


class ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the main thread keeps its handlers
        pass


@contextmanager
def serve_in_thread(app: object, port: int, **options: Any) -> Iterator[str]:
    server = ThreadedServer(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",  # type: ignore[arg-type]
                                           **options))
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
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_simulator_app(base_url=base, **options)  # type: ignore[arg-type]
    with serve_in_thread(app, port):
        yield RunningSimulator(base)


@contextmanager
def simulator_process(*options: str) -> Iterator[RunningSimulator]:
    """`espelho simulate --port <free port> OPTIONS…` in a process of its own (benchmarks: the simulator
    must not share the measured process's interpreter), once it answers; stopped on exit."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    espelho = Path(sys.executable).with_name("espelho")
    process = subprocess.Popen([str(espelho), "simulate", "--port", str(port), *options],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120  # a loaded machine takes its time to import the app
        while True:
            try:
                httpx.get(f"{base}/", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the simulator did not start") from None
                time.sleep(0.1)
        yield RunningSimulator(base)
    finally:
        process.terminate()
        process.wait(timeout=10)
