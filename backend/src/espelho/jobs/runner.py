"""Where jobs run: Celery workers when Redis is set (`CeleryDispatcher`), otherwise daemon threads of the
API process (`InProcessRunner`) with the schedule in-process. `app.state.jobs` holds one `BackgroundJobs`."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from espelho.config import Settings
from espelho.db import Database
from espelho.jobs.registry import JOBS, Dispatcher, JobContext, load_jobs
from espelho.jobs.scheduler import start_in_process_scheduler
from espelho.logging_setup import get_logger
from espelho.jobs.worker import CeleryDispatcher

log = get_logger(__name__)


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
                JOBS[name](self.ctx, **kwargs)
                log.info("job.done", job=name)
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
        # Jobs not started are dropped (their queued runs give way after sync_stale_after_s); running ones
        # get a grace period, then die with the process: their lock with them, and the next run of their
        # scope marks them ERRO at once.
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
        scheduler = start_in_process_scheduler(settings, runner)
    return BackgroundJobs(ctx, runner, scheduler)
