"""The read API is tested against data loaded by a real sync from the simulator (over loopback)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from espelho.acessorias.sync import SyncResult
from espelho.config import Settings
from espelho.db import Database
from tests.helpers import RunningSimulator


def reset_simulator(simulator: RunningSimulator) -> None:
    httpx.post(f"{simulator.acessorias_url}/_control/reset", timeout=10).raise_for_status()


def advance_simulator(simulator: RunningSimulator, **changes: int) -> dict[str, list[int]]:
    response = httpx.post(
        f"{simulator.acessorias_url}/_control/advance", json={"token": "test-token", **changes}, timeout=10
    )
    response.raise_for_status()
    return response.json()


@pytest.fixture
def sync(
    database: Database, settings: Settings, simulator: RunningSimulator
) -> Callable[[str], SyncResult]:
    """Run a real Acessórias sync (the sync engineer's service) into the test database."""
    reset_simulator(simulator)

    def run(tipo: str = "FULL") -> SyncResult:
        from espelho.acessorias.sync import run_sync

        result = run_sync(database, settings, tipo)
        assert result.status == "CONCLUIDA", result
        return result

    return run
