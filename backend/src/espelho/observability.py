"""Prometheus metrics, served at GET /metrics (bearer `ESPELHO_METRICS_TOKEN` when it is set).

The API, each Celery worker process and each CLI sync are separate processes, so the figures come from
two places:

- **The sync log and the database's size, read at scrape time.** Runs by origem/tipo/status, their
  durations, rows changed, upstream calls, runs in progress and the age of each scope's last success are
  aggregated from `sincronizacoes`, which every process writes: right whichever process ran the sync.
- **Counters of this process**: HTTP requests per route template, upstream requests and errors,
  rate-limiter waits, WhatsApp messages. A worker's own counters stay in the worker; the rate-limit window
  gauge reads the shared Redis window, so it covers every worker.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterable

import redis
from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import REGISTRY, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from espelho.clock import now_utc
from espelho.config import Settings
from espelho.db import Database, database_size_bytes
from espelho.errors import Unauthorized, UpstreamError
from espelho.logging_setup import get_logger
from espelho.syncs.models import Sincronizacao
from espelho.syncs.service import CONCLUIDA, INICIADA
from espelho.upstream.ratelimit import UPSTREAMS, upstream_rate_limiter

log = get_logger(__name__)
# The *_created series would double the output and no dashboard reads them.
disable_created_metrics()

# --- counters of this process ---------------------------------------------------------------------------
HTTP_REQUESTS = Counter("espelho_http_requests_total", "HTTP requests answered, by route template",
                        ["method", "route", "status"])
HTTP_DURATION = Histogram("espelho_http_request_duration_seconds", "Time to answer an HTTP request",
                          ["method", "route"])
UPSTREAM_REQUESTS = Counter(
    "espelho_upstream_requests_total",
    "Requests this process sent to an upstream, retries included, by HTTP status (or timeout, "
    "connection_error)", ["upstream", "status"])
UPSTREAM_DURATION = Histogram("espelho_upstream_request_duration_seconds", "Time an upstream took to answer",
                              ["upstream"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 180))
UPSTREAM_ERRORS = Counter("espelho_upstream_errors_total",
                          "Upstream calls of this process that failed after their retries, by error",
                          ["upstream", "error"])
RATELIMIT_WAIT = Histogram("espelho_ratelimit_wait_seconds",
                           "Time a request of this process waited for its upstream's rate-limit slot",
                           ["upstream"], buckets=(0.001, 0.01, 0.1, 0.5, 1, 5, 15, 30, 60))
WHATSAPP_MESSAGES = Counter("espelho_whatsapp_messages_total", "WhatsApp messages sent and failed",
                            ["status"])
for _status in ("sent", "failed"):  # exported at 0 until the first message, so dashboards show a line
    WHATSAPP_MESSAGES.labels(status=_status)

# Sync durations run from under a second (an incremental with nothing new) to an hour (a big full sync).
SYNC_DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200)
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_upstream_request(upstream: str, status: int | str, seconds: float) -> None:
    UPSTREAM_REQUESTS.labels(upstream=upstream, status=str(status)).inc()
    UPSTREAM_DURATION.labels(upstream=upstream).observe(seconds)


def observe_upstream_error(error: UpstreamError) -> None:
    UPSTREAM_ERRORS.labels(upstream=error.upstream, error=error.error).inc()


def observe_ratelimit_wait(upstream: str, seconds: float) -> None:
    RATELIMIT_WAIT.labels(upstream=upstream).observe(seconds)


def observe_whatsapp_message(*, sent: bool) -> None:
    """One send to the Graph API: `sent` when Meta accepted it (it has a wamid), `failed` otherwise."""
    WHATSAPP_MESSAGES.labels(status="sent" if sent else "failed").inc()


class RequestMetricsMiddleware:
    """Counts and times every HTTP request by its route template (`/api/contratos/{id}/`), never the raw
    path, and by a known method, so what clients send can't multiply the series. Plain ASGI: no
    per-request task or body buffering."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception escaping the app becomes a 500

        async def send_and_see_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_see_status)
        finally:
            # The router stores the matched route in the scope; unknown paths and preflights match none.
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in HTTP_METHODS else "OTHER"
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            HTTP_DURATION.labels(method=method, route=route).observe(time.perf_counter() - started)


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


# --- the endpoint ---------------------------------------------------------------------------------------
router = APIRouter()


@router.get("/metrics", include_in_schema=False)
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
    app.include_router(router)
