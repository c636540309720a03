from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import select
from typer.testing import Result

from espelho.db import Database
from espelho.syncs.models import Sincronizacao
from tests.acessorias.conftest import SimControl

KEYS = {"status", "tipo", "novos", "atualizados", "removidos", "total_processos", "api_calls", "duration_s"}


def last_json(result: Result) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_full_then_incremental_json(cli: Callable[..., Result], database: Database, sim: SimControl) -> None:
    full = cli("sync-acessorias", "--full", "--json")
    assert full.exit_code == 0, full.output
    payload = last_json(full)
    assert set(payload) >= KEYS
    assert payload["status"] == "CONCLUIDA" and payload["tipo"] == "FULL"
    assert payload["novos"] == payload["total_processos"] == sim.world()["processos"]

    sim.advance(processes_created=1)
    inc = cli("sync-acessorias", "--incremental", "--json")
    assert inc.exit_code == 0, inc.output
    payload = last_json(inc)
    assert (payload["tipo"], payload["novos"], payload["atualizados"]) == ("INCREMENTAL", 1, 0)
    with database.session() as session:
        assert session.scalars(select(Sincronizacao.tipo).order_by(Sincronizacao.id)).all() == [
            "FULL",
            "INCREMENTAL",
        ]


def test_cli_failure_prints_erro_and_exits_1(
    cli: Callable[..., Result], database: Database, sim: SimControl
) -> None:
    sim.faults(http_500=1000)
    result = cli("sync-acessorias", "--full", "--json")
    assert result.exit_code == 1
    payload = last_json(result)
    assert payload["status"] == "ERRO" and "500" in payload["erro"]
    with database.session() as session:
        run = session.scalars(select(Sincronizacao)).one()
        assert run.status == "ERRO" and run.mensagem_erro


def test_cli_needs_exactly_one_mode(cli: Callable[..., Result], sim: SimControl) -> None:
    assert cli("sync-acessorias").exit_code != 0
    assert cli("sync-acessorias", "--full", "--incremental").exit_code != 0
    bad = cli("sync-acessorias", "--full", "--competencia", "13/2026", "--json")
    assert bad.exit_code == 1 and last_json(bad)["status"] == "ERRO"


def test_cli_competencia(cli: Callable[..., Result], sim: SimControl) -> None:
    result = cli("sync-acessorias", "--full", "--competencia", "11/2026", "--json")
    assert result.exit_code == 0, result.output
    assert last_json(result)["competencia"] == "11/2026"
