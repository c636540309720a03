"""How a sync is started, in one place for every entry point.

Each domain declares its syncs once (`SyncSpec`, in its tasks.py): the upstream (`origem`), the kinds of
run it offers (`tipos`, each with the job that runs it in the background), the arguments of a request,
the lock scope they map to, and the work. Then:

- `run(...)` is the one function that runs a sync: it takes the scope's lock (syncs/exclusive.py), claims
  the run a trigger queued or records a new one, works, and records how it ended. The jobs that `declare`
  registers (Celery or in-process, scheduled or triggered) and the CLI go through it.
- `run_now(...)` is `run` for a caller waiting for the answer (CLI, an HTTP request): a busy scope is a
  Conflict (409) instead of a skipped job.
- `trigger(...)` is what an HTTP endpoint calls to start a sync in the background: it records the run
  queued (committed; the scope's reservation) before sending the job, so an immediate second trigger
  gets 409 naming it and the job only starts once its run row exists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from espelho.errors import InvalidInput, UpstreamUnavailable
from espelho.jobs.registry import Dispatcher, JobContext, job
from espelho.logging_setup import get_logger
from espelho.syncs import service as runs
from espelho.syncs.exclusive import Skipped, abandoned, busy, run_exclusive
from espelho.syncs.service import Progress, RunReport

log = get_logger(__name__)

A = TypeVar("A")
R = TypeVar("R", bound=RunReport)


@dataclass(frozen=True)
class SyncCall(Generic[A]):
    """One run being worked: its context, kind, arguments, the recorded run it continues."""

    ctx: JobContext
    tipo: str
    args: A
    run_id: int
    progress: Progress | None = None


def _unchecked(_ctx: JobContext, args: A) -> A:
    return args


def _no_competencia(_args: Any) -> str | None:
    return None


@dataclass(frozen=True)
class SyncSpec(Generic[A, R]):
    """One kind of sync as its domain declares it.

    `args` is a frozen dataclass of JSON values (it travels as the job's keyword arguments); `check`
    validates a request before anything is locked or recorded (InvalidInput, NotFound); `tipos` maps each
    kind of run to the job that runs it in the background (None: it runs only in the caller's process).
    """

    origem: str
    args: type[A]
    tipos: Mapping[str, str | None]
    scope: Callable[[A], str]
    work: Callable[[SyncCall[A]], R]
    check: Callable[[JobContext, A], A] = _unchecked
    competencia: Callable[[A], str | None] = _no_competencia


def declare(spec: SyncSpec[A, R]) -> SyncSpec[A, R]:
    """Register the background job of each kind of run of `spec`; returns the spec."""
    for tipo, name in spec.tipos.items():
        if name is not None:
            job(name)(_job_of(spec, tipo))
    return spec


def _job_of(spec: SyncSpec[A, R], tipo: str) -> Callable[..., R | Skipped]:
    def sync_job(ctx: JobContext, run_id: int | None = None, **kwargs: Any) -> R | Skipped:
        return run(ctx, spec, tipo, spec.args(**kwargs), run_id=run_id)

    return sync_job


def _checked(ctx: JobContext, spec: SyncSpec[A, R], tipo: str, args: A) -> A:
    if tipo not in spec.tipos:
        raise InvalidInput(f"tipo must be one of {', '.join(spec.tipos)}", detail=tipo)
    return spec.check(ctx, args)


def run(ctx: JobContext, spec: SyncSpec[A, R], tipo: str, args: A, *, run_id: int | None = None,
        progress: Progress | None = None, recorded: Callable[[int], None] | None = None) -> R | Skipped:
    """Run one sync holding its scope's lock (see the module docstring); Skipped when the scope is busy
    or the triggered run already ended (a job delivered twice). `recorded(run_id)` is called once the run
    is recorded (a caller that reports a failure names its run)."""
    return _run_checked(ctx, spec, tipo, _checked(ctx, spec, tipo, args), run_id=run_id, progress=progress,
                        recorded=recorded)


def _run_checked(ctx: JobContext, spec: SyncSpec[A, R], tipo: str, args: A, *, run_id: int | None,
                 progress: Progress | None, recorded: Callable[[int], None] | None) -> R | Skipped:
    scope = spec.scope(args)

    def new_run() -> int:
        new_id = runs.start_run(ctx.database, origem=spec.origem, tipo=tipo, escopo=scope,
                                competencia=spec.competencia(args))
        if recorded is not None:
            recorded(new_id)
        return new_id

    def work(settled: int | None) -> R:
        assert settled is not None  # claimed, or recorded by new_run, once the lock was held
        return spec.work(SyncCall(ctx, tipo, args, settled, progress))

    return run_exclusive(ctx, scope, work, run_id=run_id, new_run=new_run)


def run_now(ctx: JobContext, spec: SyncSpec[A, R], tipo: str, args: A, *, progress: Progress | None = None,
            recorded: Callable[[int], None] | None = None) -> R:
    """`run` for a caller that waits for the result: Conflict (409) naming the run that holds the scope
    when it is busy."""
    done = _run_checked(ctx, spec, tipo, _checked(ctx, spec, tipo, args), run_id=None, progress=progress,
                        recorded=recorded)
    if isinstance(done, Skipped):
        raise busy(ctx.database, done.escopo)
    return done


class SyncAccepted(BaseModel):
    run_id: int
    status: Literal["INICIADA"] = "INICIADA"
    origem: str
    tipo: str
    escopo: str


def trigger(ctx: JobContext, dispatcher: Dispatcher, spec: SyncSpec[A, R], tipo: str,
            args: A) -> SyncAccepted:
    """Record the run queued (committed), send the job; Conflict (409) naming the scope's running or queued
    run, unless that one was abandoned (failed then, and this one recorded)."""
    args = _checked(ctx, spec, tipo, args)
    name = spec.tipos[tipo]
    if name is None:
        raise InvalidInput(f"a {tipo} sync runs only in the caller's process", detail=tipo)
    scope = spec.scope(args)
    run_id = None
    for _ in range(3):  # each collision ends the run in the way or finds it ended; a third: busy
        try:
            run_id = runs.start_run(ctx.database, origem=spec.origem, tipo=tipo, escopo=scope,
                                    competencia=spec.competencia(args), queued=True)
            break
        except IntegrityError:  # the partial unique index: the scope has an INICIADA run
            active = runs.active_run(ctx.database, scope)
            if active is not None and not abandoned(ctx, scope, active):
                break
    if run_id is None:
        raise busy(ctx.database, scope)
    try:
        dispatcher.send(name, {**asdict(args), "run_id": run_id})  # type: ignore[call-overload]
    except Exception as exc:
        runs.fail_run(ctx.database, run_id, f"could not queue the job: {exc.__class__.__name__}")
        raise UpstreamUnavailable("the job queue is unavailable", upstream="jobs") from exc
    log.info("sync.triggered", job=name, run_id=run_id, escopo=scope)
    return SyncAccepted(run_id=run_id, origem=spec.origem, tipo=tipo, escopo=scope)
