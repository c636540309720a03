"""No formulas in CSV exports (issue 20, N1): a mirror of an office whose upstream names start like
spreadsheet formulas (the simulator's "hostile-token" office, and a UASG whose suppliers and objects do
the same) exports CSVs in which no cell would be evaluated by Excel; numbers and dates stay numbers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import Result

from espelho.acessorias.sync import run_sync
from espelho.config import Settings
from espelho.db import Database
from espelho.simulator.acessorias import FORMULAS
from espelho.simulator.comprasnet import DEMO_UASG
from tests.acessorias_api.conftest import reset_simulator
from tests.conftest import settings_for
from tests.helpers import RunningSimulator, Sim
from tests.relatorios.conftest import csv_rows

API = "/api/v1"
# What Excel evaluates (OWASP "CSV Injection"): a cell that starts with one of these.
EVALUATED = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def settings(database: Database, simulator: RunningSimulator) -> Settings:
    hostile = SecretStr("hostile-token")
    return settings_for(database.url, simulator).model_copy(update={"acessorias_token": hostile})


@pytest.fixture
def hostile(database: Database, settings: Settings, simulator: RunningSimulator, sim: Sim,
            cli: Callable[..., Result]) -> None:
    reset_simulator(simulator)
    assert run_sync(database, settings, "FULL").status == "CONCLUIDA"
    records = sim.lista(DEMO_UASG)
    for index, record in enumerate(records):
        record["fornecedor"]["nome"] = FORMULAS[index % len(FORMULAS)] + record["fornecedor"]["nome"]
        record["objeto"] = FORMULAS[(index + 1) % len(FORMULAS)] + str(record["objeto"])
    sim.override_uasg(DEMO_UASG, records)
    result = cli("sync-comprasnet", "--uasg", DEMO_UASG, "--json")
    assert result.exit_code == 0, result.output


def _csv(api: TestClient, path: str, **params: Any) -> list[list[str]]:
    response = api.get(path, params={**params, "formato": "csv"})
    assert response.status_code == 200, response.text
    return csv_rows(response.content)


@pytest.mark.parametrize(("path", "params", "columns", "numeric"), [
    (f"{API}/empresas", {}, ["Empresa", "Nome fantasia"], ["Cliente desde"]),
    (f"{API}/processos", {}, ["Empresa", "Processo"], ["Início", "Nº"]),
    (f"{API}/obrigacoes", {}, ["Obrigação", "Empresa", "Responsável"], ["Vencimento"]),
    ("/api/contratos/", {"uasg": DEMO_UASG}, ["Fornecedor", "Objeto"], ["Valor global"]),
])
def test_no_cell_of_a_hostile_world_would_be_evaluated(api: TestClient, hostile: None, path: str,
                                                       params: dict[str, str], columns: list[str],
                                                       numeric: list[str]) -> None:
    rows = _csv(api, path, **params)
    header, body = rows[0], rows[1:]
    assert body
    # The page (JSON) serves the names as stored: the export alone escapes them.
    page = api.get(path, params={**params, "page_size": 500}).json()["items"]
    assert any(isinstance(v, str) and v.startswith(EVALUATED) for item in page for v in item.values())
    for column in columns:
        cells = [row[header.index(column)] for row in body]
        escaped = [c for c in cells if c.startswith("'")]
        assert escaped, f"{column}: no hostile name reached the export"
        assert all(c[1:].startswith(EVALUATED) for c in escaped)
    evaluated = [(header[i], cell) for row in body for i, cell in enumerate(row)
                 if cell.startswith(EVALUATED) and not _number(cell)]
    assert evaluated == []
    for column in numeric:  # numbers and dates are still numbers, not text
        cells = [row[header.index(column)] for row in body if row[header.index(column)]]
        assert cells and not any(c.startswith("'") for c in cells)


def _number(cell: str) -> bool:
    """A negative number ("-3", "-1234,50") is a value, not a formula."""
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True
