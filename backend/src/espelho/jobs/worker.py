"""The Celery app, used only when ESPELHO_REDIS_URL is set (`espelho worker`, `espelho beat`: jobs/cli.py).

Every job of the registry (jobs/registry.py) becomes a Celery task of the same name. Tasks are acknowledged
after they finish (acks_late) and requeued if their worker process dies, so they must be idempotent: they
are (upserts; a run already finished is skipped; a run whose process died is failed and resumed by a new
one: syncs/exclusive.py).
The job context (settings, database engine) is built in each worker process on its first task.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from celery import Celery

from espelho.config import Settings
from espelho.db import Database
from espelho.jobs.registry import JobContext, load_jobs
from espelho.jobs.scheduler import celery_beat_schedule
from espelho.logging_setup import get_logger

log = get_logger(__name__)

_configured: Settings | None = None
_context: JobContext | None = None
_context_pid: int | None = None
_context_lock = threading.Lock()


def configure_celery(settings: Settings) -> Celery:
    """A Celery app for `settings` (broker, queue, schedule) with every job registered as a task.

    A new app each time: an app's broker connections keep the options they were first made with.
    """
    global _configured
    if not settings.redis_url:
        raise ValueError("Celery needs ESPELHO_REDIS_URL; without Redis jobs run inside the API process")
    _configured = settings
    celery_app = Celery("espelho", set_as_current=False)
    celery_app.conf.update(
        broker_url=settings.redis_url,
        # Isolates this deployment's (or test run's) queues from others sharing the Redis.
        broker_transport_options={"global_keyprefix": settings.redis_key_prefix,
                                  # A task unacknowledged this long (worker gone) is delivered again.
                                  "visibility_timeout": 3600},
        broker_connection_retry_on_startup=True,
        task_default_queue=settings.celery_queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        # One task at a time per process: a long sync must not hold others hostage in its prefetch buffer.
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        timezone=settings.schedule_timezone,
        enable_utc=True,
        beat_schedule=celery_beat_schedule(settings),
        task_serializer="json",
        accept_content=["json"],
    )
    for name, fn in load_jobs(settings).items():
        _register_task(celery_app, name, fn)
    return celery_app


def _register_task(celery_app: Celery, name: str, fn: Any) -> None:
    @celery_app.task(name=name, acks_late=True)
    def task(**kwargs: Any) -> None:
        fn(job_context(), **kwargs)
        log.info("task.done", task=name, run_id=kwargs.get("run_id"))


def job_context() -> JobContext:
    """This process's job context, built on first use (after the prefork fork, never at import)."""
    global _context, _context_pid

    with _context_lock:
        if _context is None or _context_pid != os.getpid():
            settings = _configured or Settings()
            _context = JobContext(settings, Database(settings.database_url))
            _context_pid = os.getpid()
        return _context


class CeleryDispatcher:
    """Sends jobs to the Celery workers through Redis."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = configure_celery(settings)

    def send(self, name: str, kwargs: dict[str, Any]) -> None:
        self.app.send_task(name, kwargs=kwargs, queue=self.settings.celery_queue)

    def shutdown(self) -> None:
        self.app.close()
