"""The counters of this process (a leaf: the code that counts imports it): HTTP requests per route
template, upstream requests and errors, rate-limiter waits, WhatsApp messages. A worker's own counters stay
in the worker. GET /metrics (health.py) serves them beside the figures read at scrape time.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram, disable_created_metrics
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from espelho.errors import UpstreamError

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
