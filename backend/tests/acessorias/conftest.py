"""Acessórias test helpers: the simulator's control API, and a snapshot of the mirror tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from espelho.acessorias.models import Desdobramento, Empresa, MetricaCache, Obrigacao, Passo, Processo
from espelho.db import Database
from tests.helpers import RunningSimulator


class SimControl:
    def __init__(self, base_url: str) -> None:
        self.base = f"{base_url}/_control"

    def reset(self) -> None:
        httpx.post(f"{self.base}/reset").raise_for_status()

    def advance(self, **changes: int) -> dict[str, list[int]]:
        response = httpx.post(f"{self.base}/advance", json=changes)
        response.raise_for_status()
        return response.json()

    def faults(self, **faults: Any) -> dict[str, Any]:
        response = httpx.post(f"{self.base}/faults", json=faults)
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.base}/stats").json()

    def reset_stats(self) -> None:
        httpx.post(f"{self.base}/stats/reset").raise_for_status()

    def world(self, token: str = "test-token") -> dict[str, Any]:
        return httpx.get(f"{self.base}/world", params={"token": token}).json()


@pytest.fixture
def sim(simulator: RunningSimulator) -> Iterator[SimControl]:
    control = SimControl(simulator.acessorias_url)
    control.reset()
    yield control
    control.reset()


MIRROR_TABLES = (Empresa, Processo, Passo, Desdobramento, Obrigacao, MetricaCache)


def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the mirror tables, every column: equal snapshots mean nothing changed."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with database.session() as session:
        for model in MIRROR_TABLES:
            table = model.__table__
            rows = session.execute(select(table).order_by(table.c.id)).all()
            out[table.name] = [tuple(row) for row in rows]
    return out
