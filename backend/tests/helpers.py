"""Test infrastructure shared by every domain: databases, the simulator over loopback, the API, the CLI."""

from __future__ import annotations

import os
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from espelho.db import Database
from espelho.harness import (  # noqa: F401 - the tests import the harness from here
    RunningSimulator,
    free_port,
    fresh_database_url,
    migrated_database_url,
    running_simulator,
    serve_in_thread,
)
from espelho.models import Base

TEST_DATABASES = [d.strip() for d in os.environ.get("ESPELHO_TEST_DATABASES", "sqlite,postgresql").split(",")
                  if d.strip()]
# The tests' Redis server, without a database number (CI points it at its Redis service container).
TEST_REDIS = os.environ.get("ESPELHO_TEST_REDIS", "redis://127.0.0.1:6379")


def empty_all_tables(database: Database) -> None:
    """Delete every row (children first), keeping the schema: cheaper than migrating per test."""
    with database.engine.begin() as conn:
        if database.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


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
        user_id, version = user.id, user.token_version
    return user_id, create_access_token(settings, user_id, role, version)  # type: ignore[arg-type]


def client_as(api: object, role: str) -> object:
    """Another TestClient on `api`'s running app, signed in as a new user of `role` (ADMIN|MANAGER|USER);
    `role=None`-like use: see the `anon_api` fixture for a client without a token."""
    from fastapi.testclient import TestClient

    app = api.app  # type: ignore[attr-defined]
    _, token = create_user_with_token(app.state.database, app.state.settings, role)
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


class Sim:
    """The Comprasnet simulator's control API (faults, overrides, request counts) and its upstream routes;
    the `sim` fixture hands one out, reset."""

    def __init__(self, simulator: RunningSimulator) -> None:
        self.api_url = simulator.comprasnet_url
        self.control_url = f"{simulator.base_url}/comprasnet/_control"
        self.http = httpx.Client(timeout=30)

    def reset(self) -> None:
        self.http.post(f"{self.control_url}/reset").raise_for_status()

    def fault(self, path_contains: str, **spec: Any) -> None:
        self.http.post(
            f"{self.control_url}/faults", json={"path_contains": path_contains, **spec}
        ).raise_for_status()

    def stats(self) -> dict[str, Any]:
        return self.http.get(f"{self.control_url}/stats").json()

    def calls(self, path_contains: str) -> int:
        return sum(n for path, n in self.stats()["by_path"].items() if path_contains in path)

    def override_uasg(self, code: str, records: list[Any]) -> None:
        self.http.put(f"{self.control_url}/uasgs/{code}", json=records).raise_for_status()

    def override_inativos(self, code: str, records: list[Any]) -> None:
        self.http.put(f"{self.control_url}/uasgs/{code}/inativos", json=records).raise_for_status()

    def override_aba(self, contrato_id: int, aba: str, rows: list[Any]) -> None:
        self.http.put(f"{self.control_url}/contratos/{contrato_id}/{aba}", json=rows).raise_for_status()

    def lista(self, code: str) -> list[Any]:
        return self.http.get(f"{self.api_url}/contrato/ug/{code}").json()

    def inativos(self, code: str) -> list[Any]:
        return self.http.get(f"{self.api_url}/contrato/inativo/ug/{code}").json()

    def aba(self, contrato_id: int, aba: str) -> list[Any]:
        return self.http.get(f"{self.api_url}/contrato/{contrato_id}/{aba}").json()
