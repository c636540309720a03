"""Exclusive runs: one run per scope at a time, across threads, processes and machines.

`run_exclusive(...)` is what every sync goes through once it runs: adopt (or take) the scope's lock, mark
runs of the scope left INICIADA by a crashed process as ERRO, heartbeat the lock and the run while working,
release at the end. A job delivered twice finds its run already finished (or the lock held) and does
nothing. A lock whose holder was a process of this machine that died is taken at once (`acquire`), its run
marked ERRO then; otherwise `reap_stale_runs` (a job every heartbeat interval) fails runs whose process died
without a successor, so a crashed run is marked ERRO about one lock TTL after its last heartbeat.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from espelho.clock import now_utc
from espelho.db import Database
from espelho.errors import Conflict
from espelho.jobs.registry import JobContext, job
from espelho.logging_setup import get_logger
from espelho.syncs import service as runs
from espelho.syncs.locks import holder_died, locks_of, new_token
from espelho.syncs.models import Sincronizacao

log = get_logger(__name__)
R = TypeVar("R")


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
    cutoff = now_utc() - timedelta(seconds=ctx.settings.sync_heartbeat_s)
    with ctx.database.session() as session:
        stale = list(session.scalars(select(Sincronizacao).where(
            Sincronizacao.status == runs.INICIADA,
            or_(Sincronizacao.heartbeat_em < cutoff,
                Sincronizacao.heartbeat_em.is_(None) & (Sincronizacao.iniciada_em < cutoff)))))
        dead = [r for r in stale if locks_of(ctx).holder(r.escopo) is None]
        _fail(session, dead, "interrupted: no heartbeat, the process running it stopped")
    for run in dead:
        log.warning("sync.stale_marked_failed", run_id=run.id, escopo=run.escopo)
    return [r.id for r in dead]


@job("syncs.reap_stale")
def reap_stale_job(ctx: JobContext) -> list[int]:
    return reap_stale_runs(ctx)


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
                if not locks_of(self.ctx).extend(self.scope, self.token, self.ctx.settings.sync_lock_ttl_s):
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


def acquire(ctx: JobContext, scope: str, token: str, ttl_s: float, *, reserved: str | None = None,
            keep: int | None = None) -> bool:
    """Take `scope` for `token` if it is free, expired, reserved for this job (`reserved`: the trigger's
    reservation, adopted), or held by a process of this machine that died (kill -9, OOM: nobody need wait
    out its TTL). A dead holder's runs are then marked ERRO, but `keep` (a run redelivered to continue).
    False when the scope is held."""
    def take() -> bool:
        if reserved is not None:
            return locks_of(ctx).adopt(scope, reserved, token, ttl_s)
        return locks_of(ctx).acquire(scope, token, ttl_s)

    if take():
        return True
    dead = locks_of(ctx).holder(scope)
    if dead is None or not holder_died(dead):
        return False
    locks_of(ctx).release(scope, dead)  # only if the dead holder's token is still the lock's
    if not take():
        return False  # another caller was quicker
    log.warning("sync.lock_taken_over", escopo=scope)
    # The lock was the dead process's, so is every run of the scope still marked running.
    mark_orphans(ctx.database, scope, silent_for_s=0, keep=keep,
                 reason="interrupted: the process running it died (its lock was taken over)")
    return True


@dataclass(frozen=True)
class Skipped:
    """A job that did nothing: its scope was busy, or its run had already ended."""

    reason: str
    escopo: str


def run_exclusive(ctx: JobContext, scope: str, work: Callable[[int | None], R], *,
                  run_id: int | None = None, lock_token: str | None = None,
                  new_run: Callable[[], int] | None = None) -> R | Skipped:
    """Run `work(run_id)` holding `scope`'s lock; see the module docstring.

    `run_id`/`lock_token` come from `trigger`. Without them (scheduled runs) the lock is taken here and,
    when given, `new_run()` records the run row once the lock is held.
    """
    if run_id is not None:
        status = run_status(ctx.database, run_id)
        if status != runs.INICIADA:  # delivered twice, or already marked failed: nothing to do
            log.info("sync.duplicate_delivery", run_id=run_id, status=status)
            return Skipped(f"run {run_id} is {status or 'unknown'}", scope)
    token = new_token()
    ttl = ctx.settings.sync_lock_ttl_s
    held = acquire(ctx, scope, token, ttl, reserved=lock_token, keep=run_id)
    if not held:
        if run_id is not None:
            fail_run(ctx.database, run_id, f"another run of {scope} took over before this one started")
        log.info("sync.skipped_locked", escopo=scope)
        return Skipped(f"a sync of {scope} is already running", scope)
    try:
        mark_orphans(ctx.database, scope, keep=run_id, silent_for_s=ctx.settings.sync_heartbeat_s)
        if run_id is None and new_run is not None:
            run_id = new_run()
        with Heartbeat(ctx, scope, token, run_id):
            return work(run_id)
    finally:
        locks_of(ctx).release(scope, token)


def current_run_id(database: Database, scope: str) -> int | None:
    with database.session() as session:
        return session.scalar(select(Sincronizacao.id).where(
            Sincronizacao.escopo == scope, Sincronizacao.status == runs.INICIADA
        ).order_by(Sincronizacao.id.desc()).limit(1))


def busy(database: Database, scope: str) -> Conflict:
    """The 409 of a scope another run holds, naming that run."""
    return Conflict(f"a sync of {scope} is already running",
                    detail={"escopo": scope, "run_id": current_run_id(database, scope)})


# Every holder of a scope records its run right after taking the lock: a refused caller waits this long for
# that record, so its 409 can name the run (`run_id`).
HOLDER_RECORD_WAIT_S = 2.0


def take_scope(ctx: JobContext, scope: str, token: str, ttl_s: float) -> None:
    """Take `scope` for `token`, or raise Conflict (409) naming the run that holds it. A holder that has not
    recorded its run yet is waited for (HOLDER_RECORD_WAIT_S), and a scope freed meanwhile is taken.
    `run_id` is null only when the holder records no run (one tab of a contract) or died between taking
    the lock and recording its run; its lock is then taken over (a dead process of this machine) or
    expires within sync_lock_ttl_s."""
    deadline = time.monotonic() + HOLDER_RECORD_WAIT_S
    while not acquire(ctx, scope, token, ttl_s):
        running = current_run_id(ctx.database, scope)
        if running is not None or time.monotonic() >= deadline:
            raise Conflict(f"a sync of {scope} is already running",
                           detail={"escopo": scope, "run_id": running})
        time.sleep(0.05)


@contextmanager
def holding(ctx: JobContext, scope: str) -> Iterator[None]:
    """Hold `scope`'s lock (heartbeat included) around work done in the caller's process and not recorded
    as a run (one tab of a contract, for a request); Conflict when another run holds it."""
    token = new_token()
    take_scope(ctx, scope, token, ctx.settings.sync_lock_ttl_s)
    try:
        with Heartbeat(ctx, scope, token, None):
            yield
    finally:
        locks_of(ctx).release(scope, token)
