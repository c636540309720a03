"""A CLI sync takes the same scope lock as the jobs, so it never overlaps a triggered or scheduled run, and a
queued (triggered) run keeps its turn."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import func, select
from typer.testing import Result

from espelho.acessorias.models import Processo
from espelho.config import Settings
from espelho.contratos.models import Contrato
from espelho.db import Database
from espelho.syncs import service as runs
from espelho.syncs.locks import try_lock
from espelho.syncs.models import Sincronizacao

UASG = "160123"


def test_cli_uasg_sync_refuses_a_locked_scope_and_runs_once_it_is_free(
    database: Database, settings: Settings, cli: Callable[..., Result]
) -> None:
    lock = try_lock(database.url, f"uasg:{UASG}")
    assert lock is not None
    try:
        busy = cli("sync-comprasnet", "--uasg", UASG, "--json")
        assert busy.exit_code == 1
        assert "already running" in busy.output
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(Contrato)) == 0
    finally:
        lock.release()
    free = cli("sync-comprasnet", "--uasg", UASG, "--json")
    assert free.exit_code == 0, free.output
    assert json.loads(free.stdout.strip().splitlines()[-1])["contratos_processados"] > 0
    # The lock is released after the run: a second CLI sync is not refused.
    assert cli("sync-comprasnet", "--uasg", UASG, "--json").exit_code == 0


def test_cli_acessorias_sync_refuses_while_the_office_is_locked(
    database: Database, settings: Settings, cli: Callable[..., Result]
) -> None:
    lock = try_lock(database.url, "acessorias")
    assert lock is not None
    try:
        busy = cli("sync-acessorias", "--incremental", "--json")
        assert busy.exit_code == 1
        assert "already running" in json.loads(busy.stdout.strip().splitlines()[-1])["erro"]
        with database.session() as session:  # refused before anything was recorded or fetched
            assert session.scalar(select(func.count()).select_from(Sincronizacao)) == 0
            assert session.scalar(select(func.count()).select_from(Processo)) == 0
    finally:
        lock.release()
    done = cli("sync-acessorias", "--full", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout.strip().splitlines()[-1])["status"] == "CONCLUIDA"


def test_a_cli_sync_gives_way_to_a_queued_run(database: Database, settings: Settings,
                                              cli: Callable[..., Result]) -> None:
    """The scope is free, but a trigger has reserved it: the command answers 'already running', naming the
    queued run, which keeps its turn."""
    queued = runs.start_run(database, origem="ACESSORIAS", tipo="FULL", escopo="acessorias", queued=True)
    busy = cli("sync-acessorias", "--incremental", "--json")
    assert busy.exit_code == 1
    payload = json.loads(busy.stdout.strip().splitlines()[-1])
    assert "already running" in payload["erro"]
    with database.session() as session:
        rows = session.execute(select(Sincronizacao.id, Sincronizacao.status, Sincronizacao.heartbeat_em))
        assert [tuple(r) for r in rows] == [(queued, "INICIADA", None)]
