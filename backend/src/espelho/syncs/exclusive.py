"""One run per scope at a time: the scope's lock (locks.py) and its run row, the reservation (a partial
unique index allows one INICIADA run per scope). Holding the lock, a started run of the scope still INICIADA
was abandoned (a live process would hold the lock): it is failed "interrupted" and a new run resumes it.
Each commit of a run first checks its lock (run log aside): one that lost it rolls back, ERRO "lock lost".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import NamedTuple, TypeVar

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from espelho.clock import now_utc
from espelho.db import Database
from espelho.errors import Conflict
from espelho.jobs.registry import JobContext
from espelho.syncs import service as runs
from espelho.syncs.locks import AdvisoryLock, FileLock, try_lock
from espelho.syncs.models import Sincronizacao

R = TypeVar("R")
_HELD: ContextVar[tuple[str, AdvisoryLock | FileLock] | None] = ContextVar("espelho_held_scope", default=None)


@event.listens_for(Session, "before_commit")
def _still_held(session: Session) -> None:
    held = _HELD.get()
    if held is not None and not session.info.get(runs.RUN_LOG) and not held[1].holds():
        raise Conflict(f"lock lost: {held[0]} is no longer this run's; it stopped writing", detail=held[0])


class Skipped(NamedTuple):
    """A job that did nothing: its scope was busy, or its run had already ended."""

    reason: str
    escopo: str


@contextmanager
def holding(ctx: JobContext, scope: str) -> Iterator[bool]:
    """Hold `scope` around a block, commits checked; False (holding nothing) when another holds it."""
    lock = try_lock(ctx.settings.sync_lock_database_url or ctx.database.url, scope)
    if lock is None:
        yield False
        return
    token = _HELD.set((scope, lock))
    try:
        yield True
    finally:
        _HELD.reset(token)
        lock.release()


def run_exclusive(ctx: JobContext, scope: str, work: Callable[[int | None], R], *, run_id: int | None = None,
                  new_run: Callable[[], int] | None = None) -> R | Skipped:
    """`work(run_id)` holding `scope`, or Skipped (never waits). `run_id`: the triggered run this job works;
    `new_run()` records a run once the scope is held; with neither, the work records no run."""
    with holding(ctx, scope) as held:
        if not held:
            if run_id is not None and runs.claim(ctx.database, run_id):  # still queued: its turn has passed
                runs.fail_run(ctx.database, run_id, f"another run held {scope} when this one left the queue")
            return Skipped(f"a sync of {scope} is already running", scope)
        settled = _settle(ctx, scope, run_id, new_run) if new_run is not None else run_id
        return settled if isinstance(settled, Skipped) else work(settled)


def _settle(ctx: JobContext, scope: str, run_id: int | None, new_run: Callable[[], int]) -> int | Skipped:
    """Holding the lock: claim the job's queued run, or fail the scope's abandoned one and record anew."""
    if run_id is not None and runs.claim(ctx.database, run_id):
        return run_id
    active = runs.active_run(ctx.database, scope)
    if run_id is not None and (active is None or active.id != run_id):
        return Skipped(f"run {run_id} has ended (a job delivered twice)", scope)
    if active is not None and not abandoned(ctx, scope, active, held=True):
        return Skipped(f"run {active.id} of {scope} is waiting in the queue", scope)
    try:
        return new_run()
    except IntegrityError:  # a trigger queued a run meanwhile: it goes first
        return Skipped(f"a run of {scope} was queued meanwhile", scope)


def abandoned(ctx: JobContext, scope: str, run: Sincronizacao, *, held: bool = False) -> bool:
    """Fail `run` if abandoned — queued past sync_stale_after_s, or started by a process that no longer
    holds the scope (`held`: the caller holds it; else it is probed) — and say whether it was."""
    if run.heartbeat_em is None:  # queued: claimed here, so that a job taking it now keeps it
        stale = run.iniciada_em <= now_utc() - timedelta(seconds=ctx.settings.sync_stale_after_s)
        return stale and runs.claim(ctx.database, run.id) and runs.fail_run(
            ctx.database, run.id, "never started: no job took it from the queue in time")
    if not held:
        with holding(ctx, scope) as free:  # free: its process is gone; held: alive, if perhaps hung
            return free and abandoned(ctx, scope, run, held=True)
    return runs.fail_run(ctx.database, run.id, f"interrupted: its process ended first (found by the next run "
                                               f"of {scope}, which took over)") or True


def busy(database: Database, scope: str) -> Conflict:
    """The 409 of a busy scope, naming its run (null: work that records no run)."""
    active = runs.active_run(database, scope)
    return Conflict(f"a sync of {scope} is already running",
                    detail={"escopo": scope, "run_id": active.id if active is not None else None})
