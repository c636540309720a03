"""The sliding-window guarantee: never more than `limit` acquisitions in any `window_s` seconds.

MemoryRateLimiter runs on a fake clock (no sleeping); RedisRateLimiter against the real Redis
(127.0.0.1:6379, or ESPELHO_TEST_REDIS), each test on its own key.
"""

from __future__ import annotations

import threading
import uuid
from bisect import bisect_right

import pytest
import redis

from espelho.upstream.ratelimit import (
    MemoryRateLimiter,
    RedisRateLimiter,
    build_rate_limiter,
    shared_rate_limiter,
)
from tests.helpers import TEST_REDIS

REDIS_URL = f"{TEST_REDIS}/0"


class FakeClock:
    """Time that moves only when someone sleeps; shared by threads."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.lock = threading.Lock()
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.sleeps.append(seconds)
            self.now += max(seconds, 0.0)


def max_in_any_window(times: list[float], window_s: float) -> int:
    """Most acquisitions inside any window [t, t + window_s) that starts at an acquisition."""
    times = sorted(times)
    return max((bisect_right(times, t + window_s - 1e-9) - i for i, t in enumerate(times)), default=0)


def test_memory_limiter_never_exceeds_its_limit() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(5, 60.0, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(23):
        limiter.acquire()
        times.append(clock())
    assert max_in_any_window(times, 60.0) == 5
    # The first five go at once; each later one waits exactly for the oldest slot to leave the window.
    assert times[:5] == [1_000.0] * 5 and times[5] == 1_060.0 and times[-1] == 1_000.0 + 4 * 60.0
    assert clock.sleeps[0] == pytest.approx(60.0)


def test_memory_limiter_is_shared_by_threads() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(7, 60.0, clock=clock, sleep=clock.sleep)
    times: list[float] = []
    record = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            limiter.acquire()
            with record:
                times.append(clock())

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(times) == 50
    assert max_in_any_window(times, 60.0) <= 7


def test_memory_limiter_counts_the_requests_in_its_window() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(5, 60.0, clock=clock, sleep=clock.sleep)
    assert limiter.in_window() == 0
    for _ in range(3):
        limiter.acquire()
    clock.sleep(30.0)
    limiter.acquire()
    assert limiter.in_window() == 4
    clock.sleep(30.0)  # the first three leave the window exactly now
    assert limiter.in_window() == 1


def test_memory_limiter_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        MemoryRateLimiter(0)


@pytest.fixture
def redis_key() -> str:
    key = f"espelho:test:ratelimit:{uuid.uuid4().hex}"
    yield key
    redis.Redis.from_url(REDIS_URL).delete(key)


class StopWaiting(Exception):
    pass


def test_redis_limiter_blocks_the_acquisition_over_the_limit(redis_key: str) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        raise StopWaiting

    client = redis.Redis.from_url(REDIS_URL)
    worker_a = RedisRateLimiter(client, redis_key, 5, 60.0, sleep=sleep)
    worker_b = RedisRateLimiter(redis.Redis.from_url(REDIS_URL), redis_key, 5, 60.0, sleep=sleep)
    # Two workers draw on one budget: 3 + 2 go through without waiting…
    assert [worker_a.acquire() for _ in range(3)] == [0.0] * 3
    assert [worker_b.acquire() for _ in range(2)] == [0.0] * 2
    # …and the sixth, from either, must wait for the oldest slot (most of the 60 s window).
    for limiter in (worker_a, worker_b):
        with pytest.raises(StopWaiting):
            limiter.acquire()
    assert all(50.0 < w <= 60.1 for w in waits)
    assert client.zcard(redis_key) == 5
    # Either worker (or the API answering /metrics) sees the shared window's use.
    assert worker_a.in_window() == worker_b.in_window() == 5


def test_redis_limiter_sliding_window_with_threads(redis_key: str) -> None:
    limiter = RedisRateLimiter(redis.Redis.from_url(REDIS_URL), redis_key, 4, 0.5)
    client = redis.Redis.from_url(REDIS_URL)
    times: list[float] = []
    record = threading.Lock()

    def server_now() -> float:
        seconds, micros = client.time()
        return seconds + micros / 1e6

    def worker() -> None:
        for _ in range(3):
            limiter.acquire()
            with record:
                times.append(server_now())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(times) == 12
    # Times are read just after each acquisition, so a window may look a hair shorter than it was.
    assert max_in_any_window(times, 0.5 - 0.05) <= 4


def test_build_and_share() -> None:
    assert isinstance(build_rate_limiter("x", 10, None), MemoryRateLimiter)
    assert isinstance(build_rate_limiter("x", 10, REDIS_URL), RedisRateLimiter)
    name = f"test-{uuid.uuid4().hex}"
    assert shared_rate_limiter(name, 10, None) is shared_rate_limiter(name, 10, None)
    assert shared_rate_limiter(name, 10, None) is not shared_rate_limiter(name, 11, None)
