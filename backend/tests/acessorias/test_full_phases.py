"""The full sync in two phases (headers, then details by priority), resumable, with a change history:
against the simulator over loopback, read back through the API and the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import Result

from espelho.acessorias.models import Alteracao, Processo
from espelho.acessorias.sync import run_sync
from espelho.config import Settings
from espelho.db import Database
from espelho.syncs.models import Sincronizacao
from espelho.syncs.service import Progresso
from tests.acessorias.conftest import SimControl, snapshot
from tests.conftest import settings_env
from tests.jobs.conftest import ESPELHO, wait_for

API = "/api/v1"


class Interrupted(Exception):
    """Stands for a kill in the middle of the detail sweep (the real kill -9 is in test_full_rate_limited)."""


def interrupt_after(details: int) -> Callable[[Progresso], None]:
    def progress(at: Progresso) -> None:
        if at.fase == "detalhes" and at.feitos >= details:
            raise Interrupted(f"stopped after {details} details")

    return progress


def detail_requests(sim: SimControl) -> list[int]:
    return list(sim.stats()["detail_ids"])


def test_dashboards_are_complete_before_the_details(
    api: TestClient, database: Database, settings: Settings, sim: SimControl
) -> None:
    world = sim.world()
    seen: dict[str, Any] = {}

    def progress(at: Progresso) -> None:
        if at.fase == "detalhes" and not seen:  # phase 2 starts: read what a user would see now
            seen["details_answered"] = sim.stats()["requests"].get("process_detail", 0)
            seen["lista"] = api.get(f"{API}/processos", params={"page_size": 500}).json()
            seen["metricas"] = api.get(f"{API}/dashboard/metricas").json()
            seen["status"] = api.get(f"{API}/sync/status").json()

    result = run_sync(database, settings, "FULL", progress=progress)
    assert result.status == "CONCLUIDA" and not result.retomada
    # Only the ids in the gaps of the listed range (rows the unstable pages skipped, excluded processes,
    # holes) needed a detail before the dashboards were complete: ~15 here, ≤ 8 in the tiny office
    # (test_full_rate_limited.py).
    assert seen["details_answered"] < 0.1 * world["processos"]
    assert seen["lista"]["total"] == world["processos"] == seen["metricas"]["total_processos"]
    waiting = [p for p in seen["lista"]["items"] if p["detalhes_atualizados_em"] is None]
    assert len(waiting) >= world["processos"] - seen["details_answered"]
    assert all(p["status"] and p["competencia"] and p["porcentagem_conclusao"] is not None for p in waiting)
    # The running run shows where it is.
    (running,) = seen["status"]["em_andamento"]
    assert running["progresso"]["fase"] == "detalhes" and running["progresso"]["total"] > 0
    assert running["progresso"]["eta_s"] > 0
    # Afterwards every process has its detail, and the run no longer carries a progress.
    after = api.get(f"{API}/processos", params={"page_size": 500}).json()["items"]
    assert all(p["detalhes_atualizados_em"] for p in after)
    assert api.get(f"{API}/sync/status").json()["ultimas"][0]["progresso"] is None
    # Then open processes first (the ids the list skipped came before, in phase 1).
    order = detail_requests(sim)[seen["details_answered"]:]
    with database.session() as session:
        status = {pid: st for pid, st in session.execute(select(Processo.proc_id, Processo.status))}
    listed_order = [pid for pid in order if pid in status]
    concluded = [i for i, pid in enumerate(listed_order) if status[pid] == "Concluído"]
    open_ = [i for i, pid in enumerate(listed_order) if status[pid] == "Em andamento"]
    assert sum(i < min(concluded) for i in open_) >= 0.9 * len(open_)


def test_a_process_without_its_detail_says_so(api: TestClient, database: Database, settings: Settings,
                                              sim: SimControl) -> None:
    with pytest.raises(Interrupted):
        run_sync(database, settings, "FULL", progress=interrupt_after(3))
    with database.session() as session:
        waiting = session.scalar(
            select(Processo.id).where(Processo.detalhes_atualizados_em.is_(None)).limit(1))
    body = api.get(f"{API}/processos/{waiting}").json()
    assert body["detalhes_atualizados_em"] is None and body["status"]
    assert api.get(f"{API}/processos/{waiting}/passos").json()["total"] == 0


def test_a_full_sync_resumes_an_interrupted_one(database: Database, settings: Settings,
                                                sim: SimControl) -> None:
    world = sim.world()
    with pytest.raises(Interrupted):
        run_sync(database, settings, "FULL", progress=interrupt_after(60))
    before = detail_requests(sim)
    # Meanwhile, a few stored processes change upstream: their details must be fetched again.
    changed = sim.advance(steps_completed=3)["steps_completed"]
    sim.reset_stats()

    resumed = run_sync(database, settings, "FULL")
    assert resumed.status == "CONCLUIDA" and resumed.retomada
    again = detail_requests(sim)
    distinct = len(set(before) & set(world["processos_ids"]))
    # ≤5 answers were fetched ahead of the writes when it stopped; ids that hold no live process (holes,
    # excluded ones) are asked again, and so are the 2 probes above the highest id.
    assert resumed.detalhes_pulados >= distinct - 5 - len(changed)
    ids = world["processos_ids"]
    no_process = set(range(min(ids), max(ids) + 1)) - set(ids)
    assert len(again) <= world["processos"] - distinct + 5 + len(no_process) + 2 + len(changed)
    assert set(changed) <= set(again)
    with database.session() as session:
        runs = session.execute(select(Sincronizacao.status, Sincronizacao.estatisticas)
                               .order_by(Sincronizacao.id)).all()
        waiting = session.scalar(select(func.count()).where(Processo.detalhes_atualizados_em.is_(None)))
    assert [r.status for r in runs] == ["ERRO", "CONCLUIDA"]
    assert runs[1].estatisticas["retomada"] is True and waiting == 0

    # The sweep is complete now: the next full sync is a fresh one.
    sim.reset_stats()
    fresh = run_sync(database, settings, "FULL")
    assert not fresh.retomada and fresh.detalhes_pulados == 0
    assert len(set(detail_requests(sim))) >= world["processos"]


def test_restart_forces_a_fresh_sweep(cli: Callable[..., Result], database: Database, settings: Settings,
                                      sim: SimControl) -> None:
    with pytest.raises(Interrupted):
        run_sync(database, settings, "FULL", progress=interrupt_after(30))
    sim.reset_stats()
    result = cli("sync-acessorias", "--full", "--restart", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["retomada"] is False and payload["detalhes_pulados"] == 0
    assert len(set(detail_requests(sim))) >= sim.world()["processos"]
    assert cli("sync-acessorias", "--incremental", "--restart").exit_code != 0


@pytest.mark.parametrize("restart", [False, True])
def test_the_api_resumes_or_restarts_a_full_sync(restart: bool, api: TestClient, database: Database,
                                                 settings: Settings, sim: SimControl) -> None:
    with pytest.raises(Interrupted):
        run_sync(database, settings, "FULL", progress=interrupt_after(30))
    sim.reset_stats()
    accepted = api.post(f"{API}/sync/manual", json={"tipo": "FULL", "restart": restart})
    assert accepted.status_code == 202, accepted.text
    assert api.app.state.jobs.dispatcher.wait_idle(120)  # type: ignore[attr-defined]
    history = api.get(f"{API}/sync/history").json()["items"]
    run = next(r for r in history if r["id"] == accepted.json()["run_id"])
    assert run["status"] == "CONCLUIDA"
    assert run["estatisticas"]["retomada"] is not restart
    if restart:
        assert run["estatisticas"]["detalhes_pulados"] == 0
        assert len(set(detail_requests(sim))) >= sim.world()["processos"]
    else:
        assert run["estatisticas"]["detalhes_pulados"] >= 25


def test_cli_says_when_it_resumed(cli: Callable[..., Result], database: Database, settings: Settings,
                                  sim: SimControl) -> None:
    with pytest.raises(Interrupted):
        run_sync(database, settings, "FULL", progress=interrupt_after(30))
    result = cli("sync-acessorias", "--full", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["retomada"] is True and payload["detalhes_pulados"] >= 25


def events(database: Database) -> list[tuple[str, int | None]]:
    with database.session() as session:
        rows = session.execute(select(Alteracao.tipo, Alteracao.processo_id).order_by(Alteracao.id))
        return [(tipo, processo_id) for tipo, processo_id in rows]


@pytest.mark.parametrize("tipo", ["FULL", "INCREMENTAL"])
def test_changes_are_recorded_once(tipo: str, api: TestClient, database: Database, settings: Settings,
                                   sim: SimControl) -> None:
    run_sync(database, settings, "FULL")
    assert events(database) == []  # the initial load is not a change
    moved = sim.advance(steps_completed=4, processes_created=1, processes_deleted=1, deliveries_changed=2,
                        deliveries_overdue=2)
    result = run_sync(database, settings, tipo)
    kinds = [k for k, _ in events(database)]
    assert kinds.count("processo_novo") == 1
    assert kinds.count("obrigacao_entregue") == 2 and kinds.count("obrigacao_atrasada") == 2
    assert kinds.count("passo_concluido") + kinds.count("desdobramento_respondido") == 4
    assert kinds.count("processo_porcentagem") == 4
    if tipo == "FULL":  # the incremental learns removals only from a validated full sweep
        assert kinds.count("processo_removido") == 1
    assert result.alteracoes == len(kinds)

    # Re-reading unchanged data records nothing (after a full sync, which also catches up on removals).
    run_sync(database, settings, "FULL")
    settled, before = events(database), snapshot(database)
    run_sync(database, settings, "FULL")
    run_sync(database, settings, "INCREMENTAL")
    assert events(database) == settled and snapshot(database) == before

    # The feed, newest first, filtered; and one process's history.
    feed = api.get(f"{API}/alteracoes", params={"page_size": 100}).json()
    assert feed["total"] == len(settled)
    seen_at = [i["visto_em"] for i in feed["items"]]
    assert seen_at == sorted(seen_at, reverse=True)
    delivered = api.get(f"{API}/alteracoes", params={"tipo": "obrigacao_entregue"}).json()
    assert delivered["total"] == 2 and all(i["valor_anterior"] != i["valor_novo"] for i in delivered["items"])
    pct = api.get(f"{API}/alteracoes", params={"tipo": "processo_porcentagem"}).json()["items"][0]
    assert float(pct["valor_novo"]) > float(pct["valor_anterior"])
    assert pct["proc_id"] in moved["steps_completed"]
    empresa = pct["empresa_id"]
    by_empresa = api.get(f"{API}/alteracoes", params={"empresa": empresa}).json()
    assert by_empresa["total"] >= 1 and all(i["empresa_id"] == empresa for i in by_empresa["items"])
    assert api.get(f"{API}/alteracoes", params={"desde": "2999-01-01"}).json()["total"] == 0
    since_2000 = api.get(f"{API}/alteracoes", params={"desde": "2000-01-01T00:00:00Z"}).json()
    assert since_2000["total"] == len(settled)
    assert api.get(f"{API}/alteracoes", params={"tipo": "nada"}).status_code == 422
    history = api.get(f"{API}/processos/{pct['processo_id']}/historico").json()
    assert {i["tipo"] for i in history["items"]} >= {"processo_porcentagem"}
    assert all(i["processo_id"] == pct["processo_id"] for i in history["items"])
    assert api.get(f"{API}/processos/999999/historico").status_code == 404


# Each CLI process stamps its run with its own clock: libfaketime gives each process its own.
@pytest.mark.real_clock
def test_a_new_full_sync_starts_at_once_after_kill_9(cli: Callable[..., Result], database: Database,
                                                     settings: Settings, sim: SimControl,
                                                     tmp_path: Path) -> None:
    """The killed process's lock died with it (its PostgreSQL session, its file lock): the next command
    starts at once, with no "already running", fails the killed run as interrupted and resumes its sweep."""
    world = sim.world()
    first = subprocess.Popen([str(ESPELHO), "sync-acessorias", "--full", "--json"], cwd=tmp_path,
                             env={**os.environ, **settings_env(settings)}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: first.poll() is not None or len(detail_requests(sim)) >= world["processos"] // 3,
                 timeout_s=120, interval_s=0.01, what="the first run's detail sweep")
        assert first.poll() is None, "the first run ended before it could be killed"
    finally:
        first.kill()  # SIGKILL: no cleanup
        first.wait()
    with database.session() as session:  # what it left: its run, still marked running, and its details
        killed = session.execute(select(Sincronizacao.status, Sincronizacao.iniciada_em)).one()
        assert killed.status == "INICIADA"
        # Fewer than it requested: up to five answers were in flight, and ids in the list's gaps came back
        # empty (nothing to store); how many of each depends on the moment of the kill.
        stored_by_killed = session.scalar(
            select(func.count()).select_from(Processo)
            .where(Processo.removido_em.is_(None), Processo.detalhes_atualizados_em >= killed.iniciada_em))
    assert stored_by_killed and stored_by_killed > 0

    result = cli("sync-acessorias", "--full", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["status"] == "CONCLUIDA" and payload["retomada"] is True
    assert payload["detalhes_pulados"] == stored_by_killed  # each detail it stored is not fetched again
    with database.session() as session:
        runs = session.execute(select(Sincronizacao.status, Sincronizacao.mensagem_erro)
                               .order_by(Sincronizacao.id)).all()
    assert [r.status for r in runs] == ["ERRO", "CONCLUIDA"]
    assert (runs[0].mensagem_erro or "").startswith("interrupted")
