"""`espelho worker` and `espelho beat` (the Celery processes of a Redis deployment), and the job context
of every command."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from espelho.cli_support import console, load_settings
from espelho.config import Settings
from espelho.db import Database
from espelho.jobs.registry import JobContext


@contextmanager
def job_context() -> Iterator[JobContext]:
    """Settings and a database for one command, disposed of when it ends."""
    settings = load_settings()
    database = Database(settings.database_url)
    try:
        yield JobContext(settings, database)
    finally:
        database.dispose()


def _settings_for_celery() -> Settings:
    settings = load_settings()
    if not settings.redis_url:
        console.print("[red]ESPELHO_REDIS_URL is not set.[/red] Workers need Redis; without it "
                      "`espelho serve` runs the jobs and the schedule itself.")
        raise typer.Exit(2)
    return settings


def register(app: typer.Typer) -> None:
    """Add the worker and beat commands to the `espelho` CLI."""

    @app.command()
    def worker(
        concurrency: int = typer.Option(2, "--concurrency", "-c", help="Worker processes (parallel tasks)."),
        loglevel: str = typer.Option("info", help="Celery log level."),
        pool: str = typer.Option("prefork", help="Celery pool: prefork, threads or solo."),
    ) -> None:
        """Run a Celery worker executing the sync jobs (needs ESPELHO_REDIS_URL)."""
        from espelho.jobs.worker import configure_celery  # Celery loads in ~0.5 s: only worker/beat need it

        settings = _settings_for_celery()
        celery = configure_celery(settings)
        celery.worker_main(["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}",
                            f"--pool={pool}", "-Q", settings.celery_queue, "-n", f"espelho-{os.getpid()}@%h",
                            "--without-gossip", "--without-mingle"])

    @app.command()
    def beat(
        schedule_file: str = typer.Option("celerybeat-schedule", help="Where beat keeps last-run times."),
        loglevel: str = typer.Option("info", help="Celery log level."),
    ) -> None:
        """Run Celery beat: sends the scheduled jobs (run exactly one per deployment)."""
        from espelho.jobs.worker import configure_celery  # Celery loads in ~0.5 s: only worker/beat need it

        settings = _settings_for_celery()
        celery = configure_celery(settings)
        celery.start(["beat", f"--loglevel={loglevel}", f"--schedule={schedule_file}"])
