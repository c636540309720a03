"""The job schedule, from settings: used by Celery beat (Redis) and by the in-process scheduler (no Redis).

A schedule setting is a cron expression (`minute hour day month day-of-week`, in `schedule_timezone`;
use names like `mon-fri` for days of the week) or a plain number of seconds for "every N seconds".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from espelho.config import Settings
from espelho.logging_setup import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class ScheduleEntry:
    key: str
    task: str
    schedule: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def interval_seconds(expression: str) -> float | None:
    try:
        return float(expression)
    except ValueError:
        return None


def cron_fields(expression: str) -> list[str]:
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"schedule {expression!r}: expected 5 cron fields or a number of seconds")
    return fields


def schedule_entries(settings: Settings) -> list[ScheduleEntry]:
    entries = [ScheduleEntry("acessorias.calcular_metricas_diarias", "acessorias.calcular_metricas_diarias",
                             settings.schedule_metricas_diarias),
               # No order against the metrics job: the report computes any figure the cache lacks.
               ScheduleEntry("relatorios.guardar_relatorio_do_dia", "relatorios.guardar_relatorio_do_dia",
                             settings.schedule_metricas_diarias),
               ScheduleEntry("retencao.aplicar", "retencao.aplicar", settings.schedule_retencao)]
    # Without a token every incremental run would only record an error.
    if settings.acessorias_token is not None and settings.acessorias_token.get_secret_value():
        entries.append(ScheduleEntry("acessorias.sync_incremental", "acessorias.sync_incremental",
                                     settings.schedule_acessorias_incremental))
        entries.append(ScheduleEntry("acessorias.sondar", "acessorias.sondar",
                                     settings.schedule_acessorias_probe))
    if settings.whatsapp_enabled:
        entries.append(ScheduleEntry("alertas.enviar", "alertas.enviar", settings.schedule_alertas))
        # Immediate notices follow the probe that finds the news.
        entries.append(ScheduleEntry("alertas.avisar", "alertas.avisar", settings.schedule_acessorias_probe))
    for uasg in settings.contratos_uasgs:
        entries.append(ScheduleEntry(f"contratos.sync_uasg:{uasg}", "contratos.sync_uasg",
                                     settings.schedule_contratos_uasg, {"uasg": uasg}))
    return entries


def celery_beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    from celery.schedules import crontab

    schedule: dict[str, dict[str, Any]] = {}
    for entry in schedule_entries(settings):
        seconds = interval_seconds(entry.schedule)
        if seconds is not None:
            when: Any = seconds
        else:
            minute, hour, day, month, weekday = cron_fields(entry.schedule)
            when = crontab(minute=minute, hour=hour, day_of_month=day, month_of_year=month,
                           day_of_week=weekday)
        schedule[entry.key] = {"task": entry.task, "schedule": when, "kwargs": entry.kwargs,
                               "options": {"queue": settings.celery_queue}}
    return schedule


def start_in_process_scheduler(settings: Settings, runner: Any) -> Any:
    """An APScheduler thread sending the scheduled jobs to `runner` (an InProcessRunner)."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    tz = ZoneInfo(settings.schedule_timezone)
    scheduler = BackgroundScheduler(timezone=tz)
    for entry in schedule_entries(settings):
        seconds = interval_seconds(entry.schedule)
        trigger = (IntervalTrigger(seconds=seconds, timezone=tz) if seconds is not None
                   else CronTrigger.from_crontab(" ".join(cron_fields(entry.schedule)), timezone=tz))
        # coalesce + one instance: a schedule missed while busy runs once, not as a burst.
        scheduler.add_job(runner.send, trigger, args=[entry.task, dict(entry.kwargs)], id=entry.key,
                          coalesce=True, max_instances=1, misfire_grace_time=300)
    scheduler.start()
    log.info("scheduler.started", jobs=[e.key for e in schedule_entries(settings)])
    return scheduler
