"""A CLI sync takes the same scope lock as the jobs, so it never overlaps a triggered or scheduled run."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import func, select
from typer.testing import Result

from espelho.acessorias.models import Processo
from espelho.config import Settings
from espelho.contratos.models import Contrato
from espelho.db import Database
from espelho.syncs.locks import build_locks, new_token
from espelho.syncs.models import Sincronizacao

UASG = "160123"


def test_cli_uasg_sync_refuses_a_locked_scope_and_runs_once_it_is_free(
    database: Database, settings: Settings, cli: Callable[..., Result]
) -> None:
    locks = build_locks(settings, database)
    token = new_token()
    assert locks.acquire(f"uasg:{UASG}", token, 60)
    try:
        busy = cli("sync-comprasnet", "--uasg", UASG, "--json")
        assert busy.exit_code == 1
        assert "already running" in busy.output
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(Contrato)) == 0
    finally:
        locks.release(f"uasg:{UASG}", token)
    free = cli("sync-comprasnet", "--uasg", UASG, "--json")
    assert free.exit_code == 0, free.output
    assert json.loads(free.stdout.strip().splitlines()[-1])["contratos_processados"] > 0
    # The lock is released after the run: a second CLI sync is not refused.
    assert cli("sync-comprasnet", "--uasg", UASG, "--json").exit_code == 0


def test_cli_acessorias_sync_refuses_while_the_office_is_locked(
    database: Database, settings: Settings, cli: Callable[..., Result]
) -> None:
    locks = build_locks(settings, database)
    token = new_token()
    assert locks.acquire("acessorias", token, 60)
    try:
        busy = cli("sync-acessorias", "--incremental", "--json")
        assert busy.exit_code == 1
        assert "already running" in json.loads(busy.stdout.strip().splitlines()[-1])["erro"]
        with database.session() as session:  # refused before anything was recorded or fetched
            assert session.scalar(select(func.count()).select_from(Sincronizacao)) == 0
            assert session.scalar(select(func.count()).select_from(Processo)) == 0
    finally:
        locks.release("acessorias", token)
    done = cli("sync-acessorias", "--full", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout.strip().splitlines()[-1])["status"] == "CONCLUIDA"
