"""Background jobs: one set of job functions, run by Celery workers (Redis set) or in threads of the API.

- Jobs are plain functions `fn(ctx, **kwargs) -> dict` registered by name (`<domain>.<action>`) with
  `@job(...)` in each domain's tasks.py; worker.py turns each into a Celery task of the same name.
- `trigger(...)` is what an HTTP endpoint calls: it takes the scope's lock, records the run (INICIADA,
  committed), then sends the job with the run id and the lock token, so an immediate second trigger gets 409
  and the job only starts after the run row exists.
- `run_exclusive(...)` is what a job calls: adopt (or take) the lock, mark runs of the scope left INICIADA by
  a crashed process as ERRO, heartbeat the lock and the run while working, release at the end. A job
  delivered twice finds its run already finished (or the lock held) and does nothing.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any, Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from espelho.clock import now_utc
from espelho.config import Settings
from espelho.db import Database
from espelho.errors import Conflict, UpstreamUnavailable
from espelho.logging_setup import get_logger
from espelho.syncs import service as runs
from espelho.syncs.locks import Locks, build_locks, new_token
from espelho.syncs.models import Sincronizacao

log = get_logger(__name__)

JobFn = Callable[..., dict[str, Any]]
JOBS: dict[str, JobFn] = {}
# Modules whose import registers jobs.
JOB_MODULES = ("espelho.syncs.dispatch", "espelho.contratos.tasks", "espelho.acessorias.tasks")


def job(name: str) -> Callable[[JobFn], JobFn]:
    def register(fn: JobFn) -> JobFn:
        JOBS[name] = fn
        return fn

    return register


def load_jobs(settings: Settings | None = None) -> dict[str, JobFn]:
    for module in (*JOB_MODULES, *(settings.extra_job_modules if settings else ())):
        importlib.import_module(module)
    return JOBS


@dataclass
class JobContext:
    """What a job needs, built once per process (API lifespan or worker start), never at import."""

    settings: Settings
    database: Database

    @cached_property
    def locks(self) -> Locks:
        return build_locks(self.settings, self.database)


# ---------------------------------------------------------------------------------------------- runs + locks

def mark_orphans(database: Database, scope: str, *, silent_for_s: float, keep: int | None = None,
                 reason: str | None = None) -> list[int]:
    """Runs of `scope` still INICIADA although the caller holds the scope's lock, and silent (no heartbeat)
    for `silent_for_s`, were left by a process that died: mark them ERRO. Returns their ids.

    The silence spares a run started outside the locks (a CLI sync) that is still beating.
    """
    cutoff = now_utc() - timedelta(seconds=silent_for_s)
    with database.session() as session:
        query = select(Sincronizacao).where(
            Sincronizacao.escopo == scope, Sincronizacao.status == runs.INICIADA,
            or_(Sincronizacao.heartbeat_em.is_(None), Sincronizacao.heartbeat_em < cutoff))
        if keep is not None:
            query = query.where(Sincronizacao.id != keep)
        orphans = list(session.scalars(query))
        _fail(session, orphans, reason or "interrupted: the process running it stopped (lock expired)")
    for run in orphans:
        log.warning("sync.orphan_marked_failed", run_id=run.id, escopo=scope)
    return [r.id for r in orphans]


def orphan_silence_s(settings: Settings) -> float:
    """One heartbeat interval: a run under a live lock has beaten more recently than this."""
    return settings.sync_lock_ttl_s / 3


def _fail(session: Session, rows: list[Sincronizacao], message: str) -> None:
    now = now_utc()
    for run in rows:
        run.status = runs.ERRO
        run.mensagem_erro = message
        run.concluida_em = now
        started = run.iniciada_em
        run.tempo_execucao = round((now - started).total_seconds(), 3) if started else None


def reap_stale_runs(ctx: JobContext) -> list[int]:
    """INICIADA runs silent for a heartbeat interval whose scope is not locked belong to a crashed process
    (a live or queued run holds its scope's lock): mark them ERRO. Swept every heartbeat interval, so a
    crashed run is marked within about one lock TTL of its last heartbeat, when its lock expires."""
    cutoff = now_utc() - timedelta(seconds=orphan_silence_s(ctx.settings))
    with ctx.database.session() as session:
        stale = list(session.scalars(select(Sincronizacao).where(
            Sincronizacao.status == runs.INICIADA,
            or_(Sincronizacao.heartbeat_em < cutoff,
                Sincronizacao.heartbeat_em.is_(None) & (Sincronizacao.iniciada_em < cutoff)))))
        dead = [r for r in stale if ctx.locks.holder(r.escopo) is None]
        _fail(session, dead, "interrupted: no heartbeat, the process running it stopped")
    for run in dead:
        log.warning("sync.stale_marked_failed", run_id=run.id, escopo=run.escopo)
    return [r.id for r in dead]


@job("syncs.reap_stale")
def reap_stale_job(ctx: JobContext) -> dict[str, Any]:
    return {"marked_failed": reap_stale_runs(ctx)}


def run_status(database: Database, run_id: int) -> str | None:
    with database.session() as session:
        return session.scalar(select(Sincronizacao.status).where(Sincronizacao.id == run_id))


def fail_run(database: Database, run_id: int, message: str) -> None:
    with database.session() as session:
        run = session.get(Sincronizacao, run_id)
        if run is not None and run.status == runs.INICIADA:
            _fail(session, [run], message)


class Heartbeat:
    """While a job works: extend its lock and touch its run's heartbeat every third of the lock's TTL."""

    def __init__(self, ctx: JobContext, scope: str, token: str, run_id: int | None) -> None:
        self.ctx, self.scope, self.token, self.run_id = ctx, scope, token, run_id
        self.interval = max(0.2, ctx.settings.sync_lock_ttl_s / 3)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat {scope}", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if not self.ctx.locks.extend(self.scope, self.token, self.ctx.settings.sync_lock_ttl_s):
                    log.warning("sync.lock_lost", escopo=self.scope, run_id=self.run_id)
                if self.run_id is not None:
                    runs.heartbeat(self.ctx.database, self.run_id)
            except Exception as exc:  # a blip must not kill the heartbeat; the next beat retries
                log.warning("sync.heartbeat_failed", escopo=self.scope, error=str(exc))

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def skipped(reason: str, **info: Any) -> dict[str, Any]:
    return {"status": "SKIPPED", "reason": reason, **info}


def run_exclusive(ctx: JobContext, scope: str, work: Callable[[int | None], dict[str, Any]], *,
                  run_id: int | None = None, lock_token: str | None = None,
                  new_run: Callable[[], int] | None = None) -> dict[str, Any]:
    """Run `work(run_id)` holding `scope`'s lock; see the module docstring.

    `run_id`/`lock_token` come from `trigger`. Without them (scheduled runs) the lock is taken here and,
    when given, `new_run()` records the run row once the lock is held.
    """
    if run_id is not None:
        status = run_status(ctx.database, run_id)
        if status != runs.INICIADA:  # delivered twice, or already marked failed: nothing to do
            log.info("sync.duplicate_delivery", run_id=run_id, status=status)
            return skipped(f"run {run_id} is {status or 'unknown'}", run_id=run_id)
    token = lock_token or new_token()
    ttl = ctx.settings.sync_lock_ttl_s
    held = ctx.locks.adopt(scope, token, ttl) if lock_token else ctx.locks.acquire(scope, token, ttl)
    if not held:
        if run_id is not None:
            fail_run(ctx.database, run_id, f"another run of {scope} took over before this one started")
        log.info("sync.skipped_locked", escopo=scope)
        return skipped("locked", escopo=scope)
    try:
        mark_orphans(ctx.database, scope, keep=run_id, silent_for_s=orphan_silence_s(ctx.settings))
        if run_id is None and new_run is not None:
            run_id = new_run()
        with Heartbeat(ctx, scope, token, run_id):
            result = work(run_id)
        return {"run_id": run_id, **(result or {})}
    finally:
        ctx.locks.release(scope, token)


# ---------------------------------------------------------------------------------------------- dispatchers

class Dispatcher(Protocol):
    def send(self, name: str, kwargs: dict[str, Any]) -> None: ...

    def shutdown(self) -> None: ...


class CeleryDispatcher:
    """Sends jobs to the Celery workers through Redis."""

    def __init__(self, settings: Settings) -> None:
        from espelho.worker import configure_celery

        self.settings = settings
        self.app = configure_celery(settings)

    def send(self, name: str, kwargs: dict[str, Any]) -> None:
        self.app.send_task(name, kwargs=kwargs, queue=self.settings.celery_queue)

    def shutdown(self) -> None:
        self.app.close()


@dataclass
class InProcessRunner:
    """Runs jobs in daemon threads of this process (no Redis): at most `max_parallel` at once."""

    ctx: JobContext
    max_parallel: int = 4
    _slots: threading.BoundedSemaphore = field(init=False)
    _threads: set[threading.Thread] = field(default_factory=set, init=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, init=False)
    _closed: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.max_parallel)
        load_jobs(self.ctx.settings)

    def send(self, name: str, kwargs: dict[str, Any]) -> None:
        if name not in JOBS:
            raise KeyError(f"unknown job {name}")
        thread = threading.Thread(target=self._run, args=(name, kwargs), name=f"job {name}", daemon=True)
        with self._guard:
            if self._closed:
                raise RuntimeError("job runner is shut down")
            self._threads.add(thread)
        thread.start()

    def _run(self, name: str, kwargs: dict[str, Any]) -> None:
        try:
            with self._slots:
                if self._closed:
                    return
                result = JOBS[name](self.ctx, **kwargs)
                log.info("job.done", job=name, status=(result or {}).get("status"))
        except Exception as exc:  # recorded in its run row already; a thread has nobody to raise to
            log.error("job.failed", job=name, error=str(exc) or exc.__class__.__name__)
        finally:
            with self._guard:
                self._threads.discard(threading.current_thread())

    def wait_idle(self, timeout_s: float) -> bool:
        """Join the running jobs (tests, shutdown); True when none is left."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._guard:
                threads = list(self._threads)
            if not threads:
                return True
            for thread in threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                with self._guard:
                    return not self._threads

    def shutdown(self, timeout_s: float = 30.0) -> None:
        # Jobs not started are dropped; running ones get a grace period, then their lock expires and the
        # run is marked ERRO by the next run of that scope.
        with self._guard:
            self._closed = True
        self.wait_idle(timeout_s)


@dataclass
class BackgroundJobs:
    """What the API holds in `app.state.jobs`: the dispatcher, the context, the in-process scheduler."""

    ctx: JobContext
    dispatcher: Dispatcher
    scheduler: Any = None

    def shutdown(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.dispatcher.shutdown()


def start_background_jobs(settings: Settings, database: Database) -> BackgroundJobs:
    """Celery dispatch when Redis is set (beat schedules); threads + in-process scheduler otherwise."""
    ctx = JobContext(settings, database)
    if settings.redis_url:
        return BackgroundJobs(ctx, CeleryDispatcher(settings))
    runner = InProcessRunner(ctx)
    scheduler = None
    if settings.scheduler_enabled:
        from espelho.syncs.scheduler import start_in_process_scheduler

        scheduler = start_in_process_scheduler(settings, runner)
    return BackgroundJobs(ctx, runner, scheduler)


def send_after_commit(session: Session, dispatcher: Dispatcher, name: str, kwargs: dict[str, Any]) -> None:
    """Send a job once `session` commits (never for a rolled-back transaction)."""
    from sqlalchemy import event

    event.listen(session, "after_commit", lambda _s: dispatcher.send(name, kwargs), once=True)


# Every holder of a scope records its run right after taking the lock: a refused caller waits this long for
# that record, so its 409 can name the run (`run_id`).
HOLDER_RECORD_WAIT_S = 2.0


def take_scope(ctx: JobContext, scope: str, token: str, ttl_s: float) -> None:
    """Take `scope`, or raise Conflict naming the run that holds it. A holder that has not recorded its run
    yet is waited for (HOLDER_RECORD_WAIT_S), and a scope freed meanwhile is taken. `run_id` is null only
    when the holder died between taking the lock and recording its run; its lock then expires within
    sync_lock_ttl_s."""
    deadline = time.monotonic() + HOLDER_RECORD_WAIT_S
    while not ctx.locks.acquire(scope, token, ttl_s):
        running = current_run_id(ctx.database, scope)
        if running is not None or time.monotonic() >= deadline:
            raise Conflict(f"a sync of {scope} is already running",
                           detail={"escopo": scope, "run_id": running})
        time.sleep(0.05)


def trigger(jobs: BackgroundJobs, *, name: str, scope: str, origem: str, tipo: str,
            competencia: str | None = None, kwargs: dict[str, Any] | None = None) -> int:
    """Take `scope`, record the run (committed), send job `name`; the run id, or Conflict (409)."""
    ctx = jobs.ctx
    token = new_token()
    take_scope(ctx, scope, token, ctx.settings.sync_lock_ttl_s)
    try:
        mark_orphans(ctx.database, scope, silent_for_s=orphan_silence_s(ctx.settings))
        run_id = runs.start_run(ctx.database, origem=origem, tipo=tipo, escopo=scope, competencia=competencia)
        # Recorded: now the reservation covers the wait in the queue; the worker resets it on adoption.
        ctx.locks.extend(scope, token, ctx.settings.sync_stale_after_s)
    except BaseException:
        ctx.locks.release(scope, token)
        raise
    try:
        jobs.dispatcher.send(name, {**(kwargs or {}), "run_id": run_id, "lock_token": token})
    except Exception as exc:
        fail_run(ctx.database, run_id, f"could not queue the job: {exc.__class__.__name__}")
        ctx.locks.release(scope, token)
        raise UpstreamUnavailable("the job queue is unavailable", upstream="jobs") from exc
    log.info("sync.triggered", job=name, run_id=run_id, escopo=scope)
    return run_id


def run_locked(settings: Settings, database: Database, scope: str,
               work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A sync started outside the job system (the CLI) takes the same scope lock as a job, so it never
    overlaps a triggered or scheduled run; Conflict when the scope is busy."""
    ctx = JobContext(settings, database)
    token = new_token()
    take_scope(ctx, scope, token, settings.sync_lock_ttl_s)
    return run_exclusive(ctx, scope, lambda _run_id: work(), lock_token=token)


def current_run_id(database: Database, scope: str) -> int | None:
    with database.session() as session:
        return session.scalar(select(Sincronizacao.id).where(
            Sincronizacao.escopo == scope, Sincronizacao.status == runs.INICIADA
        ).order_by(Sincronizacao.id.desc()).limit(1))
