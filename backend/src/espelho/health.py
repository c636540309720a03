"""What operators poll: GET /api/v1/health, and GET /metrics for Prometheus (bearer `ESPELHO_METRICS_TOKEN`
when it is set).

The API, each Celery worker process and each CLI sync are separate processes, so /metrics answers from
two places:

- **The sync log and the database's size, read at scrape time.** Runs by origem/tipo/status, their
  durations, rows changed, upstream calls, runs in progress and the age of each scope's last success are
  aggregated from `sincronizacoes`, which every process writes: right whichever process ran the sync.
  The rate-limit window gauge reads the shared window (Redis or the database), so it covers every worker.
- **The counters of this process** (observability.py).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

import redis
from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from sqlalchemy import case, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from espelho import __version__
from espelho.api import SessionDep, SlashOptionalRouter
from espelho.clock import now_utc
from espelho.config import Settings
from espelho.db import Database, database_size_bytes
from espelho.errors import Unauthorized
from espelho.logging_setup import get_logger
from espelho.observability import SYNC_DURATION_BUCKETS, RequestMetricsMiddleware
from espelho.syncs import frescor
from espelho.syncs.models import Sincronizacao
from espelho.syncs.service import CONCLUIDA, INICIADA
from espelho.upstream.ratelimit import UPSTREAMS, upstream_rate_limiter

log = get_logger(__name__)

router = SlashOptionalRouter(prefix="/api/v1", tags=["health"])


@router.get("/health")
def health(session: SessionDep) -> dict[str, str]:
    session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__}


# --- figures read at scrape time ----------------------------------------------------------------------
class ScrapeCollector(Collector):
    """Everything one scrape answers: this process's counters, the sync log and the rate-limit windows."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()
        yield from sync_log_metrics(self.database)
        yield from ratelimit_window_metrics(self.settings, self.database)
        yield from database_size_metrics(self.database)
        yield from freshness_metrics(self.settings, self.database)


def sync_log_metrics(database: Database) -> list[Metric]:
    s = Sincronizacao
    labels = ["origem", "tipo", "status"]
    runs = CounterMetricFamily("espelho_sync_runs", "Finished sync runs, by any process", labels=labels)
    duration = HistogramMetricFamily("espelho_sync_duration_seconds", "Duration of finished sync runs",
                                     labels=labels)
    rows = CounterMetricFamily("espelho_sync_rows", "Rows finished sync runs inserted, updated or removed",
                               labels=["origem", "tipo", "change"])
    calls = CounterMetricFamily("espelho_sync_upstream_calls", "Upstream calls made by finished sync runs",
                                labels=["origem", "tipo"])
    running = GaugeMetricFamily("espelho_sync_running", "Sync runs in progress", labels=["origem", "tipo"])
    age = GaugeMetricFamily(
        "espelho_sync_last_success_age_seconds",
        "Seconds since the last successful run of each scope (on-demand contract tabs excluded)",
        labels=["origem", "tipo", "escopo"])

    finished = s.status != INICIADA
    by_status = (
        select(s.origem, s.tipo, s.status, func.count(), func.count(s.tempo_execucao),
               func.sum(s.tempo_execucao),
               *(func.sum(case((s.tempo_execucao <= bound, 1), else_=0)) for bound in SYNC_DURATION_BUCKETS))
        .where(finished).group_by(s.origem, s.tipo, s.status)
    )
    totals = (
        select(s.origem, s.tipo, func.sum(s.api_calls), func.sum(s.processos_novos),
               func.sum(s.processos_atualizados), func.sum(s.processos_removidos))
        .where(finished).group_by(s.origem, s.tipo)
    )
    in_progress = (
        select(s.origem, s.tipo, func.count()).where(s.status == INICIADA).group_by(s.origem, s.tipo)
    )
    # One series per UASG and one for the office; a contract tab opened on demand is no schedule to watch.
    last_success = (
        select(s.origem, s.tipo, s.escopo, func.max(s.concluida_em))
        .where(s.status == CONCLUIDA, s.tipo != "CONTRATO").group_by(s.origem, s.tipo, s.escopo)
    )
    with database.session() as session:
        for origem, tipo, status, count, timed, seconds, *cumulative in session.execute(by_status):
            runs.add_metric([origem, tipo, status], count)
            buckets = [(floatToGoString(bound), float(n or 0))
                       for bound, n in zip(SYNC_DURATION_BUCKETS, cumulative, strict=True)]
            duration.add_metric([origem, tipo, status], [*buckets, ("+Inf", float(timed))],
                                sum_value=float(seconds or 0))
        for origem, tipo, api_calls, *changed in session.execute(totals):
            calls.add_metric([origem, tipo], float(api_calls or 0))
            for change, n in zip(("novos", "atualizados", "removidos"), changed, strict=True):
                rows.add_metric([origem, tipo, change], float(n or 0))
        for origem, tipo, count in session.execute(in_progress):
            running.add_metric([origem, tipo], count)
        now = now_utc()
        for origem, tipo, escopo, last in session.execute(last_success):
            if last is not None:  # finish_run always stamps concluida_em; the column is nullable
                age.add_metric([origem, tipo, escopo], (now - last).total_seconds())
    return [runs, duration, rows, calls, running, age]


def ratelimit_window_metrics(settings: Settings, database: Database | None = None) -> list[Metric]:
    used = GaugeMetricFamily("espelho_ratelimit_window_requests",
                             "Requests sent to an upstream in its current rate-limit window (every process "
                             "with Redis or a window kept in the database; this process otherwise)",
                             labels=["upstream"])
    limit = GaugeMetricFamily("espelho_ratelimit_limit", "Requests an upstream's window allows",
                              labels=["upstream"])
    window = GaugeMetricFamily("espelho_ratelimit_window_seconds", "Length of an upstream's sliding window",
                               labels=["upstream"])
    for upstream in UPSTREAMS:
        limiter = upstream_rate_limiter(upstream, settings, database)
        try:
            used.add_metric([upstream], limiter.in_window())
        except (redis.RedisError, SQLAlchemyError) as exc:  # the rest of the scrape is still worth answering
            log.warning("metrics.ratelimit_unreadable", upstream=upstream, error=str(exc))
        limit.add_metric([upstream], limiter.limit)
        window.add_metric([upstream], limiter.window_s)
    return [used, limit, window]


def database_size_metrics(database: Database) -> list[Metric]:
    size = GaugeMetricFamily("espelho_database_size_bytes", "Size of the database on disk "
                             "(PostgreSQL's pg_database_size, or the SQLite file's pages)")
    try:
        size.add_metric([], database_size_bytes(database.engine))
    except SQLAlchemyError as exc:  # the rest of the scrape is still worth answering
        log.warning("metrics.database_size_unreadable", error=str(exc))
    return [size]


def freshness_metrics(settings: Settings, database: Database) -> list[Metric]:
    """The lag and the budget, as /api/v1/sync/status shows them (syncs/frescor.py)."""
    lag = GaugeMetricFamily("espelho_freshness_lag_seconds",
                            "Seconds since the moment up to which every upstream change is mirrored",
                            labels=["origem"])
    used = GaugeMetricFamily("espelho_sync_budget_used_ratio", "Share of the rate limit the probe and the "
                             "incrementals used over the last 15 minutes", labels=["origem"])
    allowed = GaugeMetricFamily("espelho_sync_budget_ratio", "Share of the rate limit the syncs may use",
                                labels=["origem"])
    with database.session() as session:
        for upstream in frescor.frescor(session, settings, now_utc()):
            if upstream.atraso_s is not None:
                lag.add_metric([upstream.origem], upstream.atraso_s)
            if upstream.orcamento_usado_pct is not None and upstream.orcamento_pct is not None:
                used.add_metric([upstream.origem], upstream.orcamento_usado_pct / 100)
                allowed.add_metric([upstream.origem], upstream.orcamento_pct / 100)
    return [lag, used, allowed]


# --- the endpoint ---------------------------------------------------------------------------------------
metrics_router = APIRouter()


@metrics_router.get("/metrics/", include_in_schema=False)  # the same, not a redirect: scrapers differ
@metrics_router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text format. Not in the OpenAPI schema: it is for scrapers, not for the web app."""
    settings: Settings = request.app.state.settings
    if settings.metrics_token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        expected = settings.metrics_token.get_secret_value()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            raise Unauthorized("GET /metrics needs Authorization: Bearer <ESPELHO_METRICS_TOKEN>")
    body = generate_latest(ScrapeCollector(settings, request.app.state.database))
    # Text format 0.0.4: every Prometheus version (and Grafana Agent, VictoriaMetrics) reads it.
    return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)


def install_metrics(app: FastAPI) -> None:
    """Time every request and serve /metrics (before the web app's catch-all route)."""
    app.add_middleware(RequestMetricsMiddleware)
    app.include_router(metrics_router)
