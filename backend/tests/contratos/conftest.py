"""Contratos fixtures: faster upstream settings and the demo UASG synced. The handle on the Comprasnet
simulator's control API (`sim`) is in tests/conftest.py, shared with tests/test_metrics_endpoint.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import Result

from espelho.config import Settings
from espelho.simulator.comprasnet import DEMO_UASG
from tests.helpers import Sim


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings, with fewer attempts and no client-side throttling in the way."""
    return settings.model_copy(update={"comprasnet_max_attempts": 3, "comprasnet_rate_limit": 100_000})


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
