"""HTTP to an upstream: rate limit, bounded concurrency, retries with jittered backoff, call counting,
typed errors. A failed call raises; it never comes back as an empty result."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from espelho.config import Settings
from espelho.db import Database
from espelho.errors import (
    UpstreamError,
    UpstreamMalformed,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from espelho.logging_setup import get_logger
from espelho.observability import observe_ratelimit_wait, observe_upstream_error, observe_upstream_request
from espelho.upstream.ratelimit import RateLimiter, upstream_rate_limiter

log = get_logger(__name__)


@dataclass
class CallCounter:
    """Upstream HTTP requests actually sent during one operation, retries included."""

    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self) -> None:
        with self._lock:
            self.calls += 1


_current_counters: ContextVar[tuple[CallCounter, ...]] = ContextVar("upstream_call_counters", default=())


@contextmanager
def counting_calls() -> Iterator[CallCounter]:
    """Count the upstream calls made inside this block (nested blocks each see their own calls).

    Worker threads must run inside `contextvars.copy_context()` of the caller to be counted.
    """
    counter = CallCounter()
    token = _current_counters.set((*_current_counters.get(), counter))
    try:
        yield counter
    finally:
        _current_counters.reset(token)


class _Retryable(Exception):
    """A transient failure worth another attempt; carries the error raised if attempts run out."""

    def __init__(self, final: UpstreamError, retry_after: float | None = None) -> None:
        super().__init__(final.message)
        self.final = final
        self.retry_after = retry_after


@dataclass
class UpstreamResponse:
    upstream: str
    status_code: int
    content: bytes
    url: str

    @property
    def is_empty(self) -> bool:
        return self.status_code == 204 or not self.content.strip()

    def json(self) -> Any:
        """Parse the body as JSON whatever the Content-Type (Comprasnet sends text/html)."""
        try:
            return json.loads(self.content)
        except ValueError as exc:
            snippet = self.content[:200].decode("utf-8", "replace")
            raise UpstreamMalformed("upstream answered with a body that is not JSON", upstream=self.upstream,
                                    url=self.url, status=self.status_code, detail=snippet) from exc


class UpstreamHttp:
    """One upstream's HTTP machinery; thread-safe, share one instance per upstream and process."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        rate_limiter: RateLimiter | None = None,
        timeout_s: float = 30.0,
        max_attempts: int = 4,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        max_in_flight: int = 10,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.rate_limiter = rate_limiter
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._in_flight = threading.BoundedSemaphore(max_in_flight)
        self._client = httpx.Client(
            headers={"Accept": "application/json", "User-Agent": "espelho/0.1", **(headers or {})},
            transport=transport,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight),
        )

    def close(self) -> None:
        self._client.close()

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def get(self, path: str, *, params: dict[str, Any] | None = None, timeout_s: float | None = None,
            accept_statuses: tuple[int, ...] = ()) -> UpstreamResponse:
        """GET with retries. Statuses in `accept_statuses` are returned instead of raised."""
        return self.request("GET", path, params=params, timeout_s=timeout_s, accept_statuses=accept_statuses)

    def post(self, path: str, *, json_body: Any, timeout_s: float | None = None,
             accept_statuses: tuple[int, ...] = (),
             retry_when: Callable[[UpstreamResponse], bool] | None = None) -> UpstreamResponse:
        """POST a JSON body, with the same limits and retries as `get`."""
        return self.request("POST", path, json_body=json_body, timeout_s=timeout_s,
                            accept_statuses=accept_statuses, retry_when=retry_when)

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, json_body: Any = None,
                timeout_s: float | None = None, accept_statuses: tuple[int, ...] = (),
                retry_when: Callable[[UpstreamResponse], bool] | None = None) -> UpstreamResponse:
        """One call with retries. `retry_when` marks an otherwise accepted answer as transient (an upstream
        that signals throttling inside a 400 body, like the Graph API), retried with the same backoff."""
        url = self.url(path)
        timeout = timeout_s or self.timeout_s

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _Retryable) and exc.retry_after is not None:
                return min(exc.retry_after, self.max_backoff_s)
            backoff = wait_exponential_jitter(multiplier=self.backoff_s, max=self.max_backoff_s,
                                              jitter=self.backoff_s)
            return backoff(state)

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait,
            retry=retry_if_exception(lambda e: isinstance(e, _Retryable)),
            reraise=True,
            before_sleep=lambda s: log.warning(
                "upstream.retry", upstream=self.name, url=url, attempt=s.attempt_number,
                error=str(s.outcome.exception()) if s.outcome else None,
            ),
        )
        try:
            for attempt in retrying:
                with attempt:
                    response = self._send_once(method, url, params, json_body, timeout, accept_statuses)
                    if retry_when is not None and retry_when(response):
                        body = response.content[:300].decode("utf-8", "replace")
                        raise _Retryable(UpstreamUnavailable(
                            f"{self.name} is throttling requests", upstream=self.name, url=url,
                            status=response.status_code, detail=body))
                    return response
        except _Retryable as exc:
            observe_upstream_error(exc.final)
            raise exc.final from exc
        except UpstreamError as exc:
            observe_upstream_error(exc)
            raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(self, method: str, url: str, params: dict[str, Any] | None, json_body: Any, timeout: float,
                   accept_statuses: tuple[int, ...]) -> UpstreamResponse:
        with self._in_flight:
            # The rate slot is taken once a connection is free, so its timestamp is the real send time;
            # it is settled when the answer is back (see upstream/ratelimit.py: arrivals, not sends).
            slot = None
            if self.rate_limiter is not None:
                slot = self.rate_limiter.acquire(hold_s=timeout)
                observe_ratelimit_wait(self.name, slot.waited)
            for counter in _current_counters.get():
                counter.add()
            started = time.perf_counter()
            try:
                response = self._client.request(method, url, params=params, json=json_body, timeout=timeout)
            except httpx.TimeoutException as exc:
                observe_upstream_request(self.name, "timeout", time.perf_counter() - started)
                raise _Retryable(UpstreamTimeout(f"{self.name} did not answer within {timeout:.0f} s",
                                                 upstream=self.name, url=url)) from exc
            except httpx.TransportError as exc:
                observe_upstream_request(self.name, "connection_error", time.perf_counter() - started)
                raise _Retryable(UpstreamUnavailable(f"{self.name} is unreachable: {exc.__class__.__name__}",
                                                     upstream=self.name, url=url)) from exc
            finally:
                if slot is not None:
                    self.rate_limiter.settle(slot)  # type: ignore[union-attr]
            elapsed_ms = (time.perf_counter() - started) * 1000
        status = response.status_code
        observe_upstream_request(self.name, status, elapsed_ms / 1000)
        log.debug("upstream.call", upstream=self.name, url=url, status=status, ms=round(elapsed_ms, 1))
        if status in accept_statuses or 200 <= status < 300:
            return UpstreamResponse(self.name, status, response.content, str(response.url))
        if status == 429 or status >= 500:
            retry_after = _retry_after_seconds(response)
            what = "is throttling requests (429)" if status == 429 else f"failed with HTTP {status}"
            error = UpstreamUnavailable(f"{self.name} {what}", upstream=self.name, url=url, status=status)
            raise _Retryable(error, retry_after)
        raise UpstreamRejected(f"{self.name} rejected the request with HTTP {status}", upstream=self.name,
                               url=url, status=status, detail=response.text[:300])


def upstream_http(upstream: str, settings: Settings, *, rate_limiter: RateLimiter | None = None,
                  database: Database | None = None, **options: Any) -> UpstreamHttp:
    """The machinery of one of UPSTREAMS as its settings say (`Settings.upstream`: base URL, timeout,
    attempts, backoff, bearer token), drawing on its shared rate limiter (kept in the `database` when
    `upstream_rate_limiter` says so); `options` are UpstreamHttp's others (max_in_flight, max_backoff_s,
    …)."""
    conf = settings.upstream(upstream)
    headers = None if conf.token is None else {"Authorization": f"Bearer {conf.token.get_secret_value()}"}
    return UpstreamHttp(upstream, conf.base_url, timeout_s=conf.timeout_s, max_attempts=conf.max_attempts,
                        backoff_s=conf.backoff_s, headers=headers,
                        rate_limiter=rate_limiter or upstream_rate_limiter(upstream, settings, database),
                        **options)


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
