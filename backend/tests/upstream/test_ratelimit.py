"""The sliding-window guarantee: never more than `limit` requests in any `window_s` seconds, counted on
arrival (a slot counts from when its answer came back).

MemoryRateLimiter and DatabaseRateLimiter (SQLite and PostgreSQL) run on a fake clock (no sleeping);
RedisRateLimiter against the real Redis (127.0.0.1:6379, or ESPELHO_TEST_REDIS), each test on its own key.
"""

from __future__ import annotations

import threading
import time
import uuid
from bisect import bisect_right

import pytest
import redis
from sqlalchemy import select

from espelho.config import Settings
from espelho.db import Database
from espelho.upstream.ratelimit import (
    DatabaseRateLimiter,
    MemoryRateLimiter,
    RateLimitSlot,
    RedisRateLimiter,
    build_rate_limiter,
    durable_rate_limiter,
    shared_rate_limiter,
    upstream_rate_limiter,
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
    assert [worker_a.acquire().waited for _ in range(3)] == [0.0] * 3
    assert [worker_b.acquire().waited for _ in range(2)] == [0.0] * 2
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


def test_redis_limiter_counts_a_slot_from_its_answer(redis_key: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    limiter = RedisRateLimiter(client, redis_key, 5, 60.0)
    slot = limiter.acquire(hold_s=30.0)
    (_, in_flight), = client.zrange(redis_key, 0, 0, withscores=True)
    seconds, micros = client.time()
    now_us = seconds * 1e6 + micros
    assert in_flight > now_us + 29e6  # in flight: counted from send + hold
    limiter.settle(slot)
    (_, settled), = client.zrange(redis_key, 0, 0, withscores=True)
    assert now_us <= settled < in_flight - 29e6


def test_arrivals_stay_within_the_limit_whatever_the_latency() -> None:
    """The measured failure: at 30/min, slots counted from the send let 31 requests *arrive* in one window
    when an early request is slow and a later one fast. Counted from the answer, never."""
    clock = FakeClock()
    limiter = MemoryRateLimiter(30, 60.0, clock=clock, sleep=clock.sleep)
    arrivals: list[float] = []
    for i in range(95):
        slot = limiter.acquire(hold_s=60.0)
        latency = 1.5 if i % 30 == 0 else 0.05  # the first of each burst crawls, the others fly
        arrivals.append(clock() + latency * 0.9)  # it reaches the upstream before its answer is back
        clock.now += latency
        limiter.settle(slot)
    assert max_in_any_window(arrivals, 60.0) <= 30


def test_an_unsettled_slot_counts_until_send_plus_hold() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(1, 60.0, clock=clock, sleep=clock.sleep)
    limiter.acquire(hold_s=10.0)  # never settled: its process died mid-request
    limiter.acquire()
    assert clock.sleeps == [pytest.approx(70.0)]


@pytest.fixture
def db_clock() -> FakeClock:
    clock = FakeClock()
    clock.now = 1_700_000_000.0  # epoch seconds: the database limiter's window is wall time
    return clock


def test_database_limiter_window_survives_a_restart(database: Database, db_clock: FakeClock) -> None:
    """Slots live in the database: a limiter made after a crash (a new process, a CLI run next to the
    server) sees what the dead one sent in the last minute and waits for it."""
    first = DatabaseRateLimiter(database, "test", 5, 60.0, clock=db_clock, sleep=db_clock.sleep)
    for _ in range(3):
        first.settle(first.acquire(hold_s=30.0))
    first.acquire(hold_s=30.0)  # in flight when the process died: counted until send + hold
    db_clock.now += 10
    after_crash = DatabaseRateLimiter(database, "test", 5, 60.0, clock=db_clock, sleep=db_clock.sleep)
    assert after_crash.acquire().waited == 0.0  # the 5th slot of the window
    taken = after_crash.acquire()  # the 6th waits for the oldest settled slot to leave the window
    assert taken.waited == pytest.approx(50.0)
    assert db_clock.now == pytest.approx(1_700_000_060.0)
    # Other upstreams keep their own window.
    other = DatabaseRateLimiter(database, "other", 1, 60.0, clock=db_clock, sleep=db_clock.sleep)
    assert other.acquire().waited == 0.0


def test_database_limiter_is_shared_by_threads_and_instances(database: Database) -> None:
    # Real time on a short window (a fake clock advanced by concurrent sleepers would skew the record); the
    # times checked are the slots' own, read back from the table, so a loaded machine cannot blur them.
    limiters = [DatabaseRateLimiter(database, "test", 4, 2.0, clock=time.time) for _ in range(2)]
    times: list[float] = []
    record = threading.Lock()

    def worker(limiter: DatabaseRateLimiter) -> None:
        for _ in range(3):
            slot = limiter.acquire()
            with database.session() as session:
                taken = session.scalar(select(RateLimitSlot.conta_de).where(RateLimitSlot.chave == slot.key))
            with record:
                times.append(float(taken))  # type: ignore[arg-type]

    threads = [threading.Thread(target=worker, args=(limiters[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(times) == 12
    assert max_in_any_window(times, 2.0) <= 4


def test_database_limiter_stamps_slots_in_the_order_it_grants_them(database: Database) -> None:
    """A process that read the time and then waited for the window's lock (another process held it) must
    not stamp its slot earlier than the slot granted meanwhile: that slot would leave the window too soon,
    and one more request could land in a real window (found as 5 slots in 2 s at a limit of 4, under load)."""
    other_granted = threading.Event()
    late_reads: list[float] = []

    def late_clock() -> float:
        # Its first reading is taken, then the other process is granted a slot (on PostgreSQL the reading
        # is made under the advisory lock, so the other one waits for it instead: 2 s).
        if not late_reads:
            late_reads.append(1_700_000_100.0)
            other_granted.wait(2)
            return late_reads[0]
        return 1_700_000_102.0

    late = DatabaseRateLimiter(database, "test", 10, 60.0, clock=late_clock)
    early = DatabaseRateLimiter(database, "test", 10, 60.0, clock=lambda: 1_700_000_101.0)
    waiting = threading.Thread(target=late.acquire)
    waiting.start()
    while not late_reads:
        time.sleep(0.01)
    early.acquire()
    other_granted.set()
    waiting.join(10)
    with database.session() as session:
        stamps = list(session.scalars(select(RateLimitSlot.conta_de).order_by(RateLimitSlot.id)))
    assert len(stamps) == 2 and stamps == sorted(stamps)  # in the order granted


def test_build_and_share() -> None:
    assert isinstance(build_rate_limiter("x", 10, None), MemoryRateLimiter)
    assert isinstance(build_rate_limiter("x", 10, REDIS_URL), RedisRateLimiter)
    name = f"test-{uuid.uuid4().hex}"
    assert shared_rate_limiter(name, 10, None) is shared_rate_limiter(name, 10, None)
    assert shared_rate_limiter(name, 10, None) is not shared_rate_limiter(name, 11, None)


def test_durable_limiter_prefers_redis_then_the_database(database: Database) -> None:
    assert isinstance(durable_rate_limiter("x", 10, REDIS_URL, database), RedisRateLimiter)
    assert isinstance(durable_rate_limiter("x", 10, None, database), DatabaseRateLimiter)
    assert durable_rate_limiter("x", 10, None, None) is shared_rate_limiter("x", 10, None)


def test_database_limiter_counts_its_window(database: Database, db_clock: FakeClock) -> None:
    limiter = DatabaseRateLimiter(database, "test", 5, 60.0, clock=db_clock, sleep=db_clock.sleep)
    assert limiter.in_window() == 0
    limiter.settle(limiter.acquire())
    limiter.acquire(hold_s=30.0)  # in flight: counts from send + hold
    db_clock.now += 59.0
    assert limiter.in_window() == 2
    db_clock.now += 1.0  # the settled one leaves the window; the in-flight one still counts
    assert limiter.in_window() == 1


def test_upstream_limiter_keeps_only_the_acessorias_window_in_the_database(settings: Settings,
                                                                          database: Database) -> None:
    assert settings.redis_url is None
    assert isinstance(upstream_rate_limiter("acessorias", settings, database), DatabaseRateLimiter)
    for upstream in ("comprasnet", "whatsapp"):
        conf = settings.upstream(upstream)
        assert upstream_rate_limiter(upstream, settings, database) is shared_rate_limiter(
            upstream, conf.rate_limit, None)
    assert upstream_rate_limiter("acessorias", settings) is shared_rate_limiter(
        "acessorias", settings.acessorias_rate_limit, None)
