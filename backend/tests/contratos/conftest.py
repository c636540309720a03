"""Contratos fixtures: faster upstream settings and a handle on the Comprasnet simulator's control API."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from typer.testing import Result

from espelho.config import Settings
from espelho.simulator.comprasnet import DEMO_UASG
from tests.helpers import RunningSimulator


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings, with fewer attempts and no client-side throttling in the way."""
    return settings.model_copy(update={"comprasnet_max_attempts": 3, "comprasnet_rate_limit": 100_000})


class Sim:
    """The simulator's control API (faults, overrides, request counts) and its upstream routes."""

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

    def override_aba(self, contrato_id: int, aba: str, rows: list[Any]) -> None:
        self.http.put(f"{self.control_url}/contratos/{contrato_id}/{aba}", json=rows).raise_for_status()

    def lista(self, code: str) -> list[Any]:
        return self.http.get(f"{self.api_url}/contrato/ug/{code}").json()

    def aba(self, contrato_id: int, aba: str) -> list[Any]:
        return self.http.get(f"{self.api_url}/contrato/{contrato_id}/{aba}").json()


@pytest.fixture
def sim(simulator: RunningSimulator) -> Iterator[Sim]:
    """Reset before and after each test, so faults and counters never leak between tests."""
    handle = Sim(simulator)
    handle.reset()
    try:
        yield handle
    finally:
        handle.reset()
        handle.http.close()


def last_json(result: Result) -> dict[str, Any]:
    lines = [line for line in result.stdout.strip().splitlines() if line.strip()]
    assert lines, f"no stdout; output was: {result.output}"
    return json.loads(lines[-1])


@pytest.fixture
def synced_demo(cli: Callable[..., Result], sim: Sim) -> dict[str, Any]:
    """The demo UASG base-synced through the CLI; counters reset afterwards."""
    result = cli("sync-comprasnet", "--uasg", DEMO_UASG, "--json")
    assert result.exit_code == 0, result.output
    sim.reset()
    return last_json(result)
