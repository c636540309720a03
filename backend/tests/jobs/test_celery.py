"""With Redis: real Celery worker and beat subprocesses, PostgreSQL shared by every process, the simulator
over loopback."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, text

from espelho.clock import now_utc
from espelho.config import Settings
from espelho.db import Database
from espelho.models import Base
from espelho.syncs.locks import try_lock
from espelho.syncs.models import Sincronizacao
from tests.jobs.conftest import Processes, recorded_runs, signed_in_client, wait_for

pytestmark = pytest.mark.slow


def _wait_workers(settings: Settings, count: int, processes: Processes) -> None:
    from espelho.jobs.worker import configure_celery

    app = configure_celery(settings)
    try:
        wait_for(lambda: len(app.control.ping(timeout=0.5) or []) >= count, timeout_s=90,
                 what=f"{count} worker(s) to answer a ping")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{processes.logs()}") from None


def _finished(database: Database, run_id: int) -> Sincronizacao | None:
    run = recorded_runs(database, id=run_id)[0]
    return run if run.status != "INICIADA" else None


def _acessorias_counts(database: Database) -> dict[str, int]:
    names = ("empresas", "processos", "passos", "desdobramentos", "obrigacoes")
    with database.session() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables if t.name in names}


def test_a_scheduled_task_runs_and_records_its_run(celery_settings: Settings, pg_database: Database,
                                                   processes: Processes) -> None:
    settings = celery_settings.model_copy(update={"schedule_acessorias_incremental": "2"})
    processes.worker(settings)
    processes.beat(settings)
    runs = wait_for(lambda: [r for r in recorded_runs(pg_database, tipo="INCREMENTAL")
                             if r.status != "INICIADA"],
                    timeout_s=120, what=f"a scheduled run\n{processes.logs()}")
    assert runs[0].status == "CONCLUIDA", runs[0].mensagem_erro
    assert runs[0].origem == "ACESSORIAS" and runs[0].escopo == "acessorias" and runs[0].api_calls


def test_the_daily_retention_runs_in_a_worker(celery_settings: Settings, pg_database: Database,
                                              processes: Processes) -> None:
    from espelho.retencao.models import TamanhoBanco

    old = now_utc() - timedelta(days=celery_settings.retencao_sincronizacoes_dias + 1)
    with pg_database.session() as session:
        for status in ("CONCLUIDA", "CONCLUIDA", "ERRO"):
            session.add(Sincronizacao(origem="ACESSORIAS", tipo="INCREMENTAL", escopo="acessorias",
                                      status=status, iniciada_em=old, concluida_em=old))
    # Every 2 s instead of daily at 03:30: beat sends it, a worker runs it.
    settings = celery_settings.model_copy(update={"schedule_retencao": "2"})
    processes.worker(settings)
    processes.beat(settings)

    def sized() -> int:
        with pg_database.session() as session:
            return session.scalar(select(func.count()).select_from(TamanhoBanco)) or 0

    wait_for(sized, timeout_s=120, what=f"the day's size\n{processes.logs()}")
    # The older successful run went; the newest one of the scope and the failed one stayed.
    assert sorted(r.status for r in recorded_runs(pg_database)) == ["CONCLUIDA", "ERRO"]


def test_two_triggers_for_one_scope_give_one_run_and_one_409(celery_settings: Settings, pg_database: Database,
                                                             processes: Processes) -> None:
    with signed_in_client(celery_settings, pg_database, "MANAGER") as client:
        first = client.post("/api/contratos/sync/?uasg=160123")
        second = client.post("/api/contratos/sync/?uasg=160123")
        other = client.post("/api/contratos/sync/?uasg=200500")
    assert first.status_code == 202, first.text
    assert second.status_code == 409 and second.json()["detail"]["info"]["run_id"] == first.json()["run_id"]
    assert other.status_code == 202  # another scope is not blocked
    assert [r.status for r in recorded_runs(pg_database)] == ["INICIADA", "INICIADA"]  # queued, recorded

    processes.worker(celery_settings)
    for run_id in (first.json()["run_id"], other.json()["run_id"]):
        run = wait_for(lambda rid=run_id: _finished(pg_database, rid), timeout_s=120,
                       what=f"run {run_id}\n{processes.logs()}")
        assert run.status == "CONCLUIDA", run.mensagem_erro
    assert len(recorded_runs(pg_database, escopo="uasg:160123")) == 1


@pytest.mark.real_clock
def test_two_workers_sync_two_uasgs_at_the_same_time(celery_settings: Settings, pg_database: Database,
                                                     processes: Processes) -> None:
    processes.worker(celery_settings)
    processes.worker(celery_settings)
    _wait_workers(celery_settings, 2, processes)
    with signed_in_client(celery_settings, pg_database) as client:
        # Slow first bytes in the simulator: ~3 s and ~1.5 s.
        ids = [client.post(f"/api/contratos/sync/?uasg={code}").json()["run_id"]
               for code in ("153165", "201000")]
    done = [wait_for(lambda rid=rid: _finished(pg_database, rid), timeout_s=180, what=f"run {rid}")
            for rid in ids]
    assert [r.status for r in done] == ["CONCLUIDA", "CONCLUIDA"], [r.mensagem_erro for r in done]
    (a, b) = done
    assert a.concluida_em and b.concluida_em
    # They overlapped: each started before the other finished.
    assert a.iniciada_em < b.concluida_em and b.iniciada_em < a.concluida_em


def _under_way(settings: Settings, processes: Processes, calls: int) -> None:
    stats_url = f"{settings.acessorias_base_url}/_control/stats"
    before = httpx.get(stats_url).json()["total"]
    wait_for(lambda: httpx.get(stats_url).json()["total"] >= before + calls, timeout_s=60, interval_s=0.02,
             what=f"the sync to be under way\n{processes.logs()}")


def _lock_free(database: Database, scope: str) -> bool:
    lock = try_lock(database.url, scope)
    if lock is not None:
        lock.release()
    return lock is not None


def test_a_killed_worker_leaves_data_intact_and_a_new_trigger_runs_at_once(
        celery_settings: Settings, pg_database: Database, processes: Processes) -> None:
    """The whole worker killed (its task waits for Redis's visibility timeout, an hour, to be redelivered):
    its lock died with its database sessions, so the next trigger starts at once, fails the killed run as
    interrupted, and the new run resumes it."""
    from espelho.acessorias.sync import run_sync

    run_sync(pg_database, celery_settings.model_copy(update={"redis_url": None}), "FULL")
    baseline = _acessorias_counts(pg_database)
    assert baseline["processos"] > 0

    worker = processes.worker(celery_settings)
    _wait_workers(celery_settings, 1, processes)
    with signed_in_client(celery_settings, pg_database) as client:
        run_id = client.post("/api/v1/sync/manual", json={"tipo": "FULL"}).json()["run_id"]
        _under_way(celery_settings, processes, 40)
        processes.kill(worker)  # SIGKILL to the worker and its child
        assert recorded_runs(pg_database, id=run_id)[0].status == "INICIADA"
        assert _acessorias_counts(pg_database) == baseline  # nothing half-written or lost

        # Its backend ends as soon as PostgreSQL reads the closed socket: milliseconds, not a TTL.
        wait_for(lambda: _lock_free(pg_database, "acessorias"), timeout_s=5, interval_s=0.01,
                 what="the killed worker's session to end")
        retry = client.post("/api/v1/sync/manual", json={"tipo": "FULL"})
        assert retry.status_code == 202, retry.text
        crashed = recorded_runs(pg_database, id=run_id)[0]
        assert crashed.status == "ERRO" and (crashed.mensagem_erro or "").startswith("interrupted")

        processes.worker(celery_settings)
        run = wait_for(lambda: _finished(pg_database, retry.json()["run_id"]), timeout_s=180,
                       what=f"the retried run\n{processes.logs()}")
        assert run.status == "CONCLUIDA", run.mensagem_erro
        assert run.estatisticas is not None and run.estatisticas["retomada"] is True
    assert _acessorias_counts(pg_database) == baseline


def test_a_job_redelivered_after_its_worker_child_died_resumes_at_once(
        celery_settings: Settings, pg_database: Database, processes: Processes) -> None:
    """Only the prefork child killed: Celery requeues its task at once (acks_late, reject_on_worker_lost);
    the redelivered job holds the scope at once (the lock died with the child), fails the dead run as
    interrupted and resumes it in a new run — no trigger needed."""
    processes.worker(celery_settings)
    _wait_workers(celery_settings, 1, processes)
    with signed_in_client(celery_settings, pg_database) as client:
        run_id = client.post("/api/v1/sync/manual", json={"tipo": "FULL"}).json()["run_id"]
    _under_way(celery_settings, processes, 60)
    # The lock's connection names its holder for an operator: the worker child's pid.
    with pg_database.engine.connect() as conn:
        holder = conn.scalar(text("SELECT application_name FROM pg_stat_activity "
                                  "WHERE application_name LIKE 'espelho acessorias pid %'"))
    child = int(holder.split(" pid ")[1].split("@")[0])
    os.kill(child, signal.SIGKILL)

    resumed = wait_for(lambda: [r for r in recorded_runs(pg_database) if r.id != run_id and r.concluida_em],
                       timeout_s=180, what=f"the redelivered job's run\n{processes.logs()}")
    crashed = recorded_runs(pg_database, id=run_id)[0]
    assert crashed.status == "ERRO" and (crashed.mensagem_erro or "").startswith("interrupted")
    assert [r.status for r in resumed] == ["CONCLUIDA"], resumed[0].mensagem_erro
    assert resumed[0].estatisticas is not None and resumed[0].estatisticas["retomada"] is True


def test_two_workers_share_the_acessorias_rate_limit(celery_settings: Settings, processes: Processes) -> None:
    from espelho.jobs.worker import configure_celery

    limit = 30
    settings = celery_settings.model_copy(update={"acessorias_rate_limit": limit})
    base = settings.acessorias_base_url
    processes.worker(settings)
    processes.worker(settings)
    _wait_workers(settings, 2, processes)
    httpx.post(f"{base}/_control/stats/reset")
    app = configure_celery(settings)
    # Together they want 1.5× the limit; each alone could send only 0.75× of it.
    for _ in range(2):
        app.send_task("tests.hammer_acessorias", kwargs={"calls": limit * 3 // 4},
                      queue=settings.celery_queue)
    total = lambda: httpx.get(f"{base}/_control/stats").json()["total"]  # noqa: E731
    wait_for(lambda: total() >= limit, timeout_s=60, what=f"the limit to be reached\n{processes.logs()}")
    time.sleep(3)  # both workers are now waiting for the 60 s window to slide
    assert total() == limit
