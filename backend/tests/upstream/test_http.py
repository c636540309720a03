"""The shared HTTP machinery against a real loopback server: retries, typed errors, call counting."""

from __future__ import annotations

import contextvars
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI, Response

from espelho.errors import UpstreamMalformed, UpstreamRejected, UpstreamTimeout, UpstreamUnavailable
from espelho.upstream.http import UpstreamHttp, counting_calls
from espelho.upstream.ratelimit import MemoryRateLimiter, Slot
from tests.helpers import free_port, serve_in_thread

hits: Counter[str] = Counter()


def _flaky_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ok")
    def ok() -> list[int]:
        hits["ok"] += 1
        return [1, 2, 3]

    @app.get("/fails-twice/{key}")
    def fails_twice(key: str) -> Response:
        hits[key] += 1
        if hits[key] <= 2:
            return Response(status_code=503)
        return Response(content='{"ok": true}', media_type="text/html")

    @app.get("/always/{status}")
    def always(status: int) -> Response:
        hits[f"always{status}"] += 1
        return Response(status_code=status, headers={"Retry-After": "0"} if status == 429 else None)

    @app.get("/slow")
    def slow() -> list[int]:
        time.sleep(1.0)
        return []

    @app.get("/not-json")
    def not_json() -> Response:
        return Response(content="<html>maintenance</html>", media_type="text/html")

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_in_thread(_flaky_app(), free_port()) as url:
        yield url


def _client(url: str, **kwargs: object) -> UpstreamHttp:
    return UpstreamHttp("test-upstream", url, max_attempts=4, backoff_s=0.01, max_backoff_s=0.05,
                        **kwargs)  # type: ignore[arg-type]


def test_success_is_counted_once(server: str) -> None:
    http = _client(server)
    with counting_calls() as counter:
        assert http.get("/ok").json() == [1, 2, 3]
    assert counter.calls == 1


def test_transient_failures_are_retried_and_every_attempt_counted(server: str) -> None:
    http = _client(server)
    with counting_calls() as counter:
        response = http.get("/fails-twice/a")
    assert response.json() == {"ok": True}  # JSON read whatever the content type
    assert counter.calls == 3


@pytest.mark.parametrize("status", [500, 502, 429])
def test_exhausted_retries_raise_unavailable_never_an_empty_result(server: str, status: int) -> None:
    http = _client(server)
    with counting_calls() as counter, pytest.raises(UpstreamUnavailable) as info:
        http.get(f"/always/{status}")
    assert counter.calls == 4
    assert info.value.status == status


def test_client_errors_are_rejected_without_retry(server: str) -> None:
    http = _client(server)
    with counting_calls() as counter, pytest.raises(UpstreamRejected) as info:
        http.get("/always/404")
    assert counter.calls == 1
    assert info.value.status == 404


def test_accepted_statuses_are_returned(server: str) -> None:
    assert _client(server).get("/always/404", accept_statuses=(404,)).status_code == 404


def test_timeout_raises_typed_error(server: str) -> None:
    http = _client(server, timeout_s=0.2)
    with pytest.raises(UpstreamTimeout):
        http.get("/slow")


def test_connection_refused_is_unavailable() -> None:
    http = _client(f"http://127.0.0.1:{free_port()}")
    with counting_calls() as counter, pytest.raises(UpstreamUnavailable):
        http.get("/ok")
    assert counter.calls == 4


def test_a_body_that_is_not_json_is_malformed(server: str) -> None:
    with pytest.raises(UpstreamMalformed):
        _client(server).get("/not-json").json()


def test_nested_counters_and_worker_threads(server: str) -> None:
    http = _client(server)
    with counting_calls() as outer:
        http.get("/ok")
        with counting_calls() as inner, ThreadPoolExecutor(4) as pool:
            # The context is copied in the submitting thread: that is what carries the counters over.
            futures = [pool.submit(contextvars.copy_context().run, http.get, "/ok") for _ in range(6)]
            for future in futures:
                future.result()
    assert inner.calls == 6
    assert outer.calls == 7


def test_rate_limiter_is_consulted_for_every_attempt(server: str) -> None:
    limiter = MemoryRateLimiter(limit=1000)
    acquired = threading.Event()
    original = limiter.acquire

    def spy(hold_s: float = 0.0) -> Slot:
        acquired.set()
        return original(hold_s)

    limiter.acquire = spy  # type: ignore[method-assign]
    before = time.monotonic()
    _client(server, rate_limiter=limiter).get("/ok")
    assert acquired.is_set()
    # One slot, settled when the answer came back (not left counting from send + the timeout).
    assert len(limiter._slots) == 1 and before <= next(iter(limiter._slots.values())) <= time.monotonic()
