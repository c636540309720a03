"""Without Redis: manual syncs run in a background thread of the API and the schedule runs in-process
(SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from espelho.acessorias.tasks import OFFICE_SYNC, OfficeArgs
from espelho.clock import now_utc
from espelho.config import Settings
from espelho.contratos.models import Contrato, Uasg
from espelho.contratos.tasks import UASG_SYNC, UasgArgs
from espelho.db import Database
from espelho.jobs.registry import JobContext
from espelho.jobs.runner import InProcessRunner
from espelho.syncs import service as runs
from espelho.syncs.exclusive import Skipped, reap_stale_runs, run_exclusive
from espelho.syncs.locks import DatabaseLocks, locks_of, new_token
from espelho.syncs.models import Sincronizacao
from espelho.syncs.spec import trigger
from tests.jobs.conftest import recorded_runs, signed_in_client, slow_settings, wait_for


def _status(database: Database, run_id: int) -> str:
    with database.session() as session:
        return session.get(Sincronizacao, run_id).status  # type: ignore[union-attr]


def test_manual_sync_runs_in_background_and_a_second_trigger_gets_409(
        slow_settings_inprocess: Settings, database: Database) -> None:
    with signed_in_client(slow_settings_inprocess, database, "MANAGER") as client:
        first = client.post("/api/v1/sync/manual", json={"tipo": "FULL"})
        assert first.status_code == 202, first.text
        run_id = first.json()["run_id"]
        # Recorded as running before the 202 went out.
        assert _status(database, run_id) in ("INICIADA", "CONCLUIDA")
        second = client.post("/api/v1/sync/manual/", json={"tipo": "INCREMENTAL"})
        assert second.status_code == 409, second.text
        assert second.json()["error"] == "conflict"
        assert second.json()["detail"]["info"]["run_id"] == run_id

        assert client.app.state.jobs.dispatcher.wait_idle(120)
        assert _status(database, run_id) == "CONCLUIDA"
        assert len(recorded_runs(database, origem="ACESSORIAS")) == 1
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(Sincronizacao)) == 1

        # The scope is free again.
        third = client.post("/api/v1/sync/manual", json={"tipo": "INCREMENTAL"})
        assert third.status_code == 202
        assert client.app.state.jobs.dispatcher.wait_idle(120)
        assert _status(database, third.json()["run_id"]) == "CONCLUIDA"
        assert [r.tipo for r in recorded_runs(database)] == ["FULL", "INCREMENTAL"]


@pytest.mark.real_clock  # its holder is a threading.Timer, a timed wait
def test_a_409_always_names_the_run_holding_the_scope(api: Any, database: Database) -> None:
    """A holder records its run just after taking the lock: the 409 waits for that record instead of
    answering `run_id: null`; and a scope freed meanwhile is simply taken."""
    import threading

    locks = locks_of(api.app.state.jobs.ctx)
    assert locks.acquire("acessorias", "holder", ttl_s=60)
    recorded: list[int] = []
    threading.Timer(0.3, lambda: recorded.append(
        runs.start_run(database, origem="ACESSORIAS", tipo="FULL", escopo="acessorias"))).start()
    response = api.post("/api/v1/sync/manual", json={"tipo": "INCREMENTAL"})
    assert response.status_code == 409, response.text
    assert response.json()["detail"]["info"] == {"escopo": "acessorias", "run_id": recorded[0]}

    with database.session() as session:
        session.get(Sincronizacao, recorded[0]).status = "CONCLUIDA"  # type: ignore[union-attr]
    threading.Timer(0.3, lambda: locks.release("acessorias", "holder")).start()
    freed = api.post("/api/v1/sync/manual", json={"tipo": "INCREMENTAL"})
    assert freed.status_code == 202, freed.text
    assert api.app.state.jobs.dispatcher.wait_idle(120)


def test_a_contract_sync_is_refused_while_that_contract_syncs(api: Any, database: Database) -> None:
    """The HTTP (and CLI) contract sync, and the one-tab sync, take the contract's scope like the job: one
    run at a time, and the 409 names the run holding it."""
    with database.session() as session:
        session.add(Uasg(codigo="160123", criado_em=now_utc()))
        session.flush()
        session.add(Contrato(id=42, uasg_codigo="160123", raw_json={"id": 42}, criado_em=now_utc(),
                             listado_em=now_utc()))
    assert locks_of(api.app.state.jobs.ctx).acquire("contrato:42", "holder", ttl_s=60)
    running = runs.start_run(database, origem="COMPRASNET", tipo="CONTRATO", escopo="contrato:42")
    for path in ("/api/contratos/42/sincronizar", "/api/contratos/42/sincronizar/empenhos"):
        response = api.post(path)
        assert response.status_code == 409, (path, response.text)
        assert response.json()["detail"]["info"] == {"escopo": "contrato:42", "run_id": running}


def test_manual_sync_validates_its_body(api: Any) -> None:
    assert api.post("/api/v1/sync/manual", json={"tipo": "SOMETIMES"}).status_code == 422
    assert api.post("/api/v1/sync/manual", json={"tipo": "FULL", "competencia": "2024-13"}).status_code == 422
    refused = api.post("/api/v1/sync/manual", json={"tipo": "INCREMENTAL", "restart": True})
    assert refused.status_code == 422 and "restart goes with tipo FULL" in refused.text
    assert api.post("/api/contratos/sync/?uasg=12").status_code == 422
    assert api.post("/api/contratos/sync/").status_code == 422


def test_contratos_sync_trigger_runs_the_base_sync(api: Any, database: Database) -> None:
    from espelho.contratos.models import Contrato

    response = api.post("/api/contratos/sync/?uasg=160001")
    assert response.status_code == 202, response.text
    assert response.json()["escopo"] == "uasg:160001"
    assert api.app.state.jobs.dispatcher.wait_idle(120)
    run = recorded_runs(database, escopo="uasg:160001")
    assert [r.status for r in run] == ["CONCLUIDA"], run[0].mensagem_erro
    with database.session() as session:
        assert (session.scalar(select(func.count()).select_from(Contrato)) or 0) > 0


@pytest.mark.real_clock
def test_in_process_scheduler_runs_the_scheduled_jobs(database: Database, slow_simulator: Any) -> None:
    settings = slow_settings(database, slow_simulator, scheduler_enabled=True,
                             schedule_acessorias_incremental="1")
    with signed_in_client(settings, database) as client:
        done = wait_for(lambda: [r for r in recorded_runs(database, tipo="INCREMENTAL")
                                 if r.status == "CONCLUIDA"],
                        timeout_s=120, what="a scheduled incremental run")
        assert done[0].origem == "ACESSORIAS" and done[0].escopo == "acessorias"
        client.app.state.jobs.scheduler.shutdown(wait=False)
        assert client.app.state.jobs.dispatcher.wait_idle(120)


def test_a_crashed_runs_lock_expires_and_the_run_is_marked_failed(api: Any, database: Database,
                                                                   settings: Settings) -> None:
    # What a process that died mid-sync leaves behind: its lock (short TTL here) and an INICIADA run.
    locks = DatabaseLocks(database)
    assert locks.acquire("acessorias", "dead-process", ttl_s=0.5)
    dead = runs.start_run(database, origem="ACESSORIAS", tipo="FULL", escopo="acessorias")
    with database.session() as session:  # its last heartbeat, before it died
        session.get(Sincronizacao, dead).heartbeat_em = now_utc() - timedelta(minutes=2)  # type: ignore
    # A sync started outside the locks (a CLI run) that is still beating is left alone.
    alive = runs.start_run(database, origem="ACESSORIAS", tipo="INCREMENTAL", escopo="acessorias")
    assert api.post("/api/v1/sync/manual", json={"tipo": "INCREMENTAL"}).status_code == 409

    wait_for(lambda: locks.holder("acessorias") is None, timeout_s=10, what="the lock to expire")
    response = api.post("/api/v1/sync/manual", json={"tipo": "INCREMENTAL"})
    assert response.status_code == 202
    failed = recorded_runs(database, id=dead)[0]
    assert failed.status == "ERRO" and "interrupted" in (failed.mensagem_erro or "")
    assert _status(database, alive) == "INICIADA"
    assert api.app.state.jobs.dispatcher.wait_idle(120)
    assert _status(database, response.json()["run_id"]) == "CONCLUIDA"


def test_stale_runs_are_reaped_only_when_their_scope_is_unlocked(database: Database,
                                                                 settings: Settings) -> None:
    ctx = JobContext(settings, database)
    held = runs.start_run(database, origem="COMPRASNET", tipo="UASG", escopo="uasg:111111")
    orphan = runs.start_run(database, origem="COMPRASNET", tipo="UASG", escopo="uasg:222222")
    fresh = runs.start_run(database, origem="COMPRASNET", tipo="UASG", escopo="uasg:333333")
    with database.session() as session:
        for run_id in (held, orphan):
            session.get(Sincronizacao, run_id).heartbeat_em = now_utc() - timedelta(minutes=5)  # type: ignore
    assert locks_of(ctx).acquire("uasg:111111", "alive", ttl_s=60)
    assert reap_stale_runs(ctx) == [orphan]
    assert [_status(database, r) for r in (held, orphan, fresh)] == ["INICIADA", "ERRO", "INICIADA"]


@pytest.mark.real_clock  # the sweep is APScheduler's, which sleeps in a timed wait
def test_a_crashed_run_is_marked_failed_within_the_lock_ttl(database: Database, settings: Settings) -> None:
    """The sweep runs every heartbeat interval and fails an unlocked silent run: ERRO shows in the API about
    one lock TTL after the crash, not after ESPELHO_SYNC_STALE_AFTER_S (15 min)."""
    import time

    ttl = 1.5
    app_settings = settings.model_copy(update={"scheduler_enabled": True, "sync_lock_ttl_s": ttl,
                                               "acessorias_token": None})
    # What a process that died mid-sync leaves: its lock, and its run with its last heartbeat (now).
    crashed_at = time.monotonic()
    assert DatabaseLocks(database).acquire("uasg:160123", "dead-process", ttl_s=ttl)
    dead = runs.start_run(database, origem="COMPRASNET", tipo="UASG", escopo="uasg:160123")
    with signed_in_client(app_settings, database) as client:
        failed = wait_for(
            lambda: client.get("/api/v1/sync/history", params={"status": "ERRO"}).json()["items"],
            timeout_s=20, interval_s=0.1, what="the crashed run to be marked ERRO")
        elapsed = time.monotonic() - crashed_at
        client.app.state.jobs.scheduler.shutdown(wait=False)
    assert failed[0]["id"] == dead and "interrupted" in failed[0]["mensagem_erro"]
    assert ttl <= elapsed <= ttl * 4 / 3 + 1.5, elapsed


class RecordingDispatcher:
    """A job queue that only keeps what it was sent (the test plays the worker)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send(self, name: str, kwargs: dict[str, Any]) -> None:
        self.sent.append((name, kwargs))

    def shutdown(self) -> None:
        pass


def test_a_job_delivered_twice_does_nothing_the_second_time(database: Database, settings: Settings) -> None:
    ctx = JobContext(settings, database)
    calls: list[int | None] = []

    def work(run_id: int | None) -> dict[str, Any]:
        calls.append(run_id)
        with runs.recorded_run(database, origem="COMPRASNET", tipo="UASG", escopo="uasg:444444",
                               run_id=run_id) as handle:
            handle.report = runs.RunCounts(api_calls=1)
        return {"status": "CONCLUIDA"}

    queue = RecordingDispatcher()
    run_id = trigger(ctx, queue, UASG_SYNC, "UASG", UasgArgs("444444")).run_id
    (name, kwargs), = queue.sent
    assert kwargs["run_id"] == run_id and kwargs["lock_token"]
    for _ in range(2):  # the broker delivers the same message twice
        run_exclusive(ctx, "uasg:444444", work, run_id=kwargs["run_id"], lock_token=kwargs["lock_token"])
    assert calls == [run_id]
    assert _status(database, run_id) == "CONCLUIDA"
    assert locks_of(ctx).holder("uasg:444444") is None


def test_a_queue_failure_gives_503_frees_the_scope_and_fails_the_run(database: Database,
                                                                      settings: Settings) -> None:
    from espelho.errors import UpstreamUnavailable

    class Broken:
        def send(self, name: str, kwargs: dict[str, Any]) -> None:
            raise ConnectionError("broker down")

        def shutdown(self) -> None:
            pass

    ctx = JobContext(settings, database)
    with pytest.raises(UpstreamUnavailable):
        trigger(ctx, Broken(), OFFICE_SYNC, "FULL", OfficeArgs())
    assert locks_of(ctx).holder("acessorias") is None
    assert [r.status for r in recorded_runs(database)] == ["ERRO"]


def test_in_process_runner_rejects_unknown_jobs(database: Database, settings: Settings) -> None:
    runner = InProcessRunner(JobContext(settings, database))
    with pytest.raises(KeyError):
        runner.send("nope.nothing", {})
    runner.shutdown(1)


DEAD_PROCESS_TOKEN = "from espelho.syncs.locks import new_token; print(new_token())"


@pytest.mark.parametrize("worker", ["died", "alive"])
def test_a_job_redelivered_after_its_worker_died_continues_its_run(worker: str, database: Database,
                                                                   settings: Settings) -> None:
    """Celery requeues the job of a worker process that died (task_reject_on_worker_lost): the redelivered
    job takes over the dead worker's lock at once and continues the same run. A live holder is never
    taken over."""
    ctx = JobContext(settings, database)
    queue = RecordingDispatcher()
    run_id = trigger(ctx, queue, UASG_SYNC, "UASG", UasgArgs("555555")).run_id
    (_, job), = queue.sent
    if worker == "died":  # it adopted the reservation, then was killed
        holder = subprocess.run([sys.executable, "-c", DEAD_PROCESS_TOKEN], capture_output=True, text=True,
                                check=True).stdout.strip()
    else:  # another process of this machine, still running: here, this one
        holder = new_token()
    assert locks_of(ctx).adopt("uasg:555555", job["lock_token"], holder, 60)
    calls: list[int | None] = []

    def work(continued: int | None) -> str:
        calls.append(continued)
        with runs.recorded_run(database, origem="COMPRASNET", tipo="UASG", escopo="uasg:555555",
                               run_id=continued) as handle:
            handle.report = runs.RunCounts(api_calls=1)
        return "done"

    done = run_exclusive(ctx, "uasg:555555", work, run_id=job["run_id"], lock_token=job["lock_token"])
    if worker == "died":
        assert done == "done" and calls == [run_id]
        assert _status(database, run_id) == "CONCLUIDA"
        assert locks_of(ctx).holder("uasg:555555") is None
    else:
        assert isinstance(done, Skipped) and calls == []
        assert _status(database, run_id) == "ERRO"
        assert locks_of(ctx).holder("uasg:555555") == holder
        locks_of(ctx).release("uasg:555555", holder)
