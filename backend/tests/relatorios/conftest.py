"""Relatórios fixtures: the mirror filled by real syncs from the simulators (Acessórias office, demo UASG)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from openpyxl.workbook import Workbook
from typer.testing import Result

from espelho.config import Settings
from espelho.db import Database
from espelho.simulator.comprasnet import DEMO_UASG
from tests.acessorias_api.conftest import reset_simulator
from tests.helpers import RunningSimulator


@pytest.fixture
def mirrored(
    database: Database, settings: Settings, simulator: RunningSimulator, cli: Callable[..., Result]
) -> dict[str, Any]:
    """A full Acessórias sync and a base sync of the demo UASG, as a deployment would have them."""
    from espelho.acessorias.sync import run_sync

    reset_simulator(simulator)
    httpx.post(f"{simulator.base_url}/comprasnet/_control/reset", timeout=10).raise_for_status()
    acessorias = run_sync(database, settings, "FULL")
    assert acessorias.status == "CONCLUIDA", acessorias
    contratos = cli("sync-comprasnet", "--uasg", DEMO_UASG, "--json")
    assert contratos.exit_code == 0, contratos.output
    return {"acessorias": acessorias, "uasg": DEMO_UASG}


def workbook(content: bytes) -> Workbook:
    return load_workbook(io.BytesIO(content))


def csv_rows(content: bytes) -> list[list[str]]:
    import csv

    assert content.startswith(b"\xef\xbb\xbf"), "CSV without the UTF-8 BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
