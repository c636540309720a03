"""Without Redis: manual syncs run in a background thread of the API and the schedule runs in-process; one
run per scope, whatever process holds it (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import time_machine
from sqlalchemy import func, select, text

from espelho.acessorias.tasks import OFFICE_SYNC, OfficeArgs
from espelho.clock import now_utc
from espelho.config import Settings
from espelho.contratos.models import Contrato, Uasg
from espelho.contratos.tasks import UASG_SYNC, UasgArgs
from espelho.db import Database
from espelho.errors import Conflict
from espelho.jobs.registry import JOBS, JobContext
from espelho.jobs.runner import InProcessRunner
from espelho.main import create_app
from espelho.syncs import service as runs
from espelho.syncs.exclusive import Skipped, run_exclusive
from espelho.syncs.locks import AdvisoryLock, lock_key, try_lock
from espelho.syncs.models import Sincronizacao
from espelho.syncs.spec import run, trigger
from tests.helpers import create_user_with_token, free_port, serve_in_thread
from tests.jobs.conftest import recorded_runs, signed_in_client, slow_settings, wait_for

BACKEND = Path(__file__).resolve().parents[2]


def _status(database: Database, run_id: int) -> str:
    with database.session() as session:
        return session.get(Sincronizacao, run_id).status  # type: ignore[union-attr]


def _free(database: Database, scope: str) -> bool:
    lock = try_lock(database.url, scope)
    if lock is not None:
        lock.release()
    return lock is not None


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


def test_two_concurrent_triggers_give_one_202_and_one_409_naming_the_run(settings: Settings,
                                                                         database: Database) -> None:
    """The run row is the reservation: of two triggers sent at the same instant to a real server, the
    partial unique index lets one record its run; the other answers 409 naming it, without waiting."""
    _, token = create_user_with_token(database, settings, "MANAGER")
    app = create_app(settings)
    with (serve_in_thread(app, free_port()) as base,
          httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http):
        for trial in range(10):
            together = threading.Barrier(2)

            def post(barrier: threading.Barrier) -> httpx.Response:
                barrier.wait()
                return http.post("/api/v1/sync/manual", json={"tipo": "INCREMENTAL"})

            with ThreadPoolExecutor(2) as pool:
                answers = sorted(pool.map(post, [together, together]), key=lambda r: r.status_code)
            assert [a.status_code for a in answers] == [202, 409], (trial, [a.text for a in answers])
            accepted = answers[0].json()["run_id"]
            assert answers[1].json()["detail"]["info"] == {"escopo": "acessorias", "run_id": accepted}
            assert app.state.jobs.dispatcher.wait_idle(120)
            assert _status(database, accepted) == "CONCLUIDA", trial
    assert len(recorded_runs(database)) == 10


def test_a_contract_sync_is_refused_while_that_contract_syncs(api: Any, database: Database) -> None:
    """The HTTP (and CLI) contract sync, and the one-tab sync, take the contract's scope like the job: one
    run at a time, and the 409 names the run holding it."""
    with database.session() as session:
        session.add(Uasg(codigo="160123", criado_em=now_utc()))
        session.flush()
        session.add(Contrato(id=42, uasg_codigo="160123", raw_json={"id": 42}, criado_em=now_utc(),
                             listado_em=now_utc()))
    lock = try_lock(database.url, "contrato:42")
    assert lock is not None
    try:
        running = runs.start_run(database, origem="COMPRASNET", tipo="CONTRATO", escopo="contrato:42")
        for path in ("/api/contratos/42/sincronizar", "/api/contratos/42/sincronizar/empenhos"):
            response = api.post(path)
            assert response.status_code == 409, (path, response.text)
            assert response.json()["detail"]["info"] == {"escopo": "contrato:42", "run_id": running}
    finally:
        lock.release()


def test_manual_sync_validates_its_body(api: Any) -> None:
    assert api.post("/api/v1/sync/manual", json={"tipo": "SOMETIMES"}).status_code == 422
    assert api.post("/api/v1/sync/manual", json={"tipo": "FULL", "competencia": "2024-13"}).status_code == 422
    refused = api.post("/api/v1/sync/manual", json={"tipo": "INCREMENTAL", "restart": True})
    assert refused.status_code == 422 and "restart goes with tipo FULL" in refused.text
    assert api.post("/api/contratos/sync/?uasg=12").status_code == 422
    assert api.post("/api/contratos/sync/").status_code == 422


def test_contratos_sync_trigger_runs_the_base_sync(api: Any, database: Database) -> None:
    response = api.post("/api/contratos/sync/?uasg=160001")
    assert response.status_code == 202, response.text
    assert response.json()["escopo"] == "uasg:160001"
    assert api.app.state.jobs.dispatcher.wait_idle(120)
    run = recorded_runs(database, escopo="uasg:160001")
    assert [r.status for r in run] == ["CONCLUIDA"], run[0].mensagem_erro
    with database.session() as session:
        assert (session.scalar(select(func.count()).select_from(Contrato)) or 0) > 0
    assert run[0].api_calls == 1  # the active list only, by default

    response = api.post("/api/contratos/sync/?uasg=160001&inativos=true")
    assert response.status_code == 202, response.text
    assert api.app.state.jobs.dispatcher.wait_idle(120)
    again = recorded_runs(database, escopo="uasg:160001", id=response.json()["run_id"])
    assert again[0].status == "CONCLUIDA" and again[0].api_calls == 2  # and the inactive list
    assert again[0].estatisticas["inativos"] is True


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


# What a process in the middle of a run holds: its scope's lock and its INICIADA run (a job claims the run
# a trigger queued, argv[3]; a command records its own).
A_RUN_IN_A_CHILD = """
import sys, time
from espelho.db import Database
from espelho.syncs import service as runs
from espelho.syncs.locks import try_lock
url, scope, queued = sys.argv[1], sys.argv[2], sys.argv[3]
lock = try_lock(url, scope)
if queued:
    assert runs.claim(Database(url), int(queued))
    print(queued, flush=True)
else:
    print(runs.start_run(Database(url), origem="ACESSORIAS", tipo="FULL", escopo=scope), flush=True)
time.sleep(600)
"""


def a_run_in_a_child(database: Database, scope: str,
                     queued: int | None = None) -> tuple[subprocess.Popen[str], int]:
    child = subprocess.Popen([sys.executable, "-c", A_RUN_IN_A_CHILD, database.url, scope, str(queued or "")],
                             stdout=subprocess.PIPE, text=True, cwd=BACKEND)
    assert child.stdout is not None
    return child, int(child.stdout.readline())


def test_a_trigger_takes_over_at_once_when_the_runs_process_died(api: Any, database: Database) -> None:
    """A live holder gets its 409; once its process is killed, the next trigger fails its run as interrupted
    and starts at once (no TTL to wait out), and the new full sync resumes the interrupted one."""
    child, dead = a_run_in_a_child(database, "acessorias")
    try:
        alive = api.post("/api/v1/sync/manual", json={"tipo": "FULL"})
        assert alive.status_code == 409 and alive.json()["detail"]["info"]["run_id"] == dead
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    wait_for(lambda: _free(database, "acessorias"), timeout_s=10, interval_s=0.01,
             what="the dead process's database session to end")
    accepted = api.post("/api/v1/sync/manual", json={"tipo": "FULL"})
    assert accepted.status_code == 202, accepted.text
    failed = recorded_runs(database, id=dead)[0]
    assert failed.status == "ERRO" and "interrupted" in (failed.mensagem_erro or "")
    assert api.app.state.jobs.dispatcher.wait_idle(120)
    resumed = recorded_runs(database, id=accepted.json()["run_id"])[0]
    assert resumed.status == "CONCLUIDA" and resumed.estatisticas["retomada"] is True  # type: ignore[index]


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
    queue = RecordingDispatcher()
    run_id = trigger(ctx, queue, UASG_SYNC, "UASG", UasgArgs("160123")).run_id
    (name, kwargs), = queue.sent
    assert kwargs == {"uasg": "160123", "inativos": None, "run_id": run_id}
    assert recorded_runs(database, id=run_id)[0].heartbeat_em is None  # queued: no process has it yet
    first = JOBS[name](ctx, **kwargs)
    assert not isinstance(first, Skipped) and _status(database, run_id) == "CONCLUIDA"
    again = JOBS[name](ctx, **kwargs)  # the broker delivers the same message again
    assert isinstance(again, Skipped) and "has ended" in again.reason
    assert [r.id for r in recorded_runs(database)] == [run_id]
    assert _free(database, "uasg:160123")


def test_a_queued_run_keeps_its_turn_until_it_goes_stale(database: Database, settings: Settings) -> None:
    ctx = JobContext(settings, database)
    queue = RecordingDispatcher()
    queued = trigger(ctx, queue, UASG_SYNC, "UASG", UasgArgs("160123")).run_id
    with pytest.raises(Conflict) as refused:
        trigger(ctx, queue, UASG_SYNC, "UASG", UasgArgs("160123"))
    assert refused.value.detail == {"escopo": "uasg:160123", "run_id": queued}
    # The scope is free, but reserved: a scheduled run gives way to the queued one.
    assert isinstance(run(ctx, UASG_SYNC, "UASG", UasgArgs("160123")), Skipped)
    # Its job never comes (the queue lost it): past sync_stale_after_s, the next trigger takes its place.
    with time_machine.travel(now_utc() + timedelta(seconds=settings.sync_stale_after_s + 1), tick=True):
        replacement = trigger(ctx, queue, UASG_SYNC, "UASG", UasgArgs("160123")).run_id
    lost = recorded_runs(database, id=queued)[0]
    assert lost.status == "ERRO" and "never started" in (lost.mensagem_erro or "")
    # The lost job turns up after all: its run has ended, so it does nothing; the replacement runs.
    assert isinstance(JOBS[queue.sent[0][0]](ctx, **queue.sent[0][1]), Skipped)
    JOBS[queue.sent[-1][0]](ctx, **queue.sent[-1][1])
    assert _status(database, replacement) == "CONCLUIDA"


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
    assert [r.status for r in recorded_runs(database)] == ["ERRO"]
    trigger(ctx, RecordingDispatcher(), OFFICE_SYNC, "FULL", OfficeArgs())  # the scope is free


def test_in_process_runner_rejects_unknown_jobs(database: Database, settings: Settings) -> None:
    runner = InProcessRunner(JobContext(settings, database))
    with pytest.raises(KeyError):
        runner.send("nope.nothing", {})
    runner.shutdown(1)


@pytest.mark.parametrize("worker", ["died", "alive"])
def test_a_job_redelivered_after_its_worker_died_resumes_in_a_new_run(worker: str, database: Database,
                                                                      settings: Settings) -> None:
    """Celery redelivers the job of a worker process that died (task_reject_on_worker_lost): holding the
    scope at once, it fails the dead worker's run as interrupted and a new run resumes it. A live worker's
    run is left alone."""
    ctx = JobContext(settings, database)
    queue = RecordingDispatcher()
    run_id = trigger(ctx, queue, OFFICE_SYNC, "FULL", OfficeArgs()).run_id
    (name, job), = queue.sent
    child, _ = a_run_in_a_child(database, "acessorias", queued=run_id)  # the worker that picked it up
    try:
        if worker == "died":
            child.send_signal(signal.SIGKILL)
            child.wait()
            wait_for(lambda: _free(database, "acessorias"), timeout_s=10, interval_s=0.01,
                     what="the dead worker's database session to end")
        done = JOBS[name](ctx, **job)
    finally:
        child.kill()
        child.wait()
    if worker == "died":
        assert not isinstance(done, Skipped) and done.status == "CONCLUIDA" and done.retomada
        ended = recorded_runs(database)
        assert [(r.id == run_id, r.status) for r in ended] == [(True, "ERRO"), (False, "CONCLUIDA")]
        assert "interrupted" in (ended[0].mensagem_erro or "")
    else:
        assert isinstance(done, Skipped)
        assert [(r.id, r.status) for r in recorded_runs(database)] == [(run_id, "INICIADA")]


def _lose(database: Database, scope: str) -> None:
    """What an operator (or a failure) does to a lock from outside its process."""
    if database.engine.dialect.name == "postgresql":
        key = lock_key(scope)
        with database.engine.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                              "AND objsubid = 1 AND classid::bigint = :hi AND objid::bigint = :lo"),
                         {"hi": key >> 32, "lo": key & 0xFFFFFFFF})
    else:
        os.unlink(Path(f"{database.engine.url.database}.locks") / f"{scope.replace(':', '_')}.lock")


@pytest.mark.parametrize("successor", [False, True])
def test_a_run_that_lost_its_lock_writes_nothing_more(successor: bool, database: Database,
                                                      settings: Settings) -> None:
    """Every commit of a run first checks its lock: once lost, the run writes nothing and ends ERRO "lock
    lost"; a successor that took the scope meanwhile failed it as interrupted, and that end stays."""
    ctx, scope = JobContext(settings, database), "uasg:777777"
    ended: list[Any] = []

    def record() -> int:
        return runs.start_run(database, origem="COMPRASNET", tipo="UASG", escopo=scope)

    def finish(run_id: int | None) -> str:
        with runs.recorded_run(database, origem="COMPRASNET", tipo="UASG", escopo=scope, run_id=run_id):
            return "done"

    def work(run_id: int | None) -> None:
        with runs.recorded_run(database, origem="COMPRASNET", tipo="UASG", escopo=scope, run_id=run_id):
            _lose(database, scope)
            if successor:  # another process's run takes the scope now
                other = threading.Thread(target=lambda: ended.append(run_exclusive(ctx, scope, finish,
                                                                                   new_run=record)))
                other.start()
                other.join()
            with database.session() as session:
                session.add(Uasg(codigo="777777", criado_em=now_utc()))

    with pytest.raises(Conflict, match="lock lost"):
        run_exclusive(ctx, scope, work, new_run=record)
    with database.session() as session:
        assert session.get(Uasg, "777777") is None
    first, *rest = recorded_runs(database)
    assert first.status == "ERRO"
    if successor:
        assert ended == ["done"] and [r.status for r in rest] == ["CONCLUIDA"]
        assert "interrupted" in (first.mensagem_erro or "")  # not overwritten by "lock lost"
    else:
        assert rest == [] and (first.mensagem_erro or "").startswith("lock lost")
    assert _free(database, scope)


def test_the_lock_connection_can_bypass_a_pooler(database: Database, settings: Settings) -> None:
    """ESPELHO_SYNC_LOCK_DATABASE_URL: where the lock connects (the same database, not through PgBouncer's
    transaction pooling)."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    direct = database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    ctx = JobContext(settings.model_copy(update={"sync_lock_database_url": direct}), database)
    seen: list[bool] = []

    def work(_run_id: int | None) -> None:
        lock = try_lock(database.url, "uasg:160123")  # through the app's URL: the same lock
        seen.append(lock is None)
        if isinstance(lock, AdvisoryLock):
            lock.release()

    run_exclusive(ctx, "uasg:160123", work)
    assert seen == [True]
