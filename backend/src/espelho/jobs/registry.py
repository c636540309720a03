"""The job registry (no Celery here): jobs are plain functions `fn(ctx, **kwargs)` registered by name
(`<domain>.<action>`) with `@job(...)`. Celery workers (worker.py) and the in-process runner (runner.py)
run the same functions; each job builds what it needs from its `JobContext`."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

from espelho.config import Settings
from espelho.db import Database

JobFn = Callable[..., object]
JOBS: dict[str, JobFn] = {}
# Modules whose import registers jobs (by name: the domains import this module, not the reverse).
JOB_MODULES = ("espelho.contratos.tasks", "espelho.acessorias.tasks", "espelho.whatsapp.tasks",
               "espelho.alertas.tasks", "espelho.relatorios.tasks", "espelho.retencao.tasks")


def job(name: str) -> Callable[[JobFn], JobFn]:
    def register(fn: JobFn) -> JobFn:
        JOBS[name] = fn
        return fn

    return register


def load_jobs(settings: Settings | None = None) -> dict[str, JobFn]:
    for module in (*JOB_MODULES, *(settings.extra_job_modules if settings else ())):
        importlib.import_module(module)
    return JOBS


@dataclass(eq=False)  # compared and hashed by identity: one context per process
class JobContext:
    """What a job needs, built once per process (API lifespan, worker start, CLI command), never at import."""

    settings: Settings
    database: Database


class Dispatcher(Protocol):
    """Where jobs are sent: Celery through Redis, or threads of this process (runner.py)."""

    def send(self, name: str, kwargs: dict[str, Any]) -> None: ...

    def shutdown(self) -> None: ...


def send_after_commit(session: Session, dispatcher: Dispatcher, name: str, kwargs: dict[str, Any]) -> None:
    """Send job `name` once `session` commits (never for a rolled-back transaction): a request that stored
    what the job reads (a webhook's message) answers first, and the job finds its row."""
    event.listen(session, "after_commit", lambda _s: dispatcher.send(name, kwargs), once=True)
