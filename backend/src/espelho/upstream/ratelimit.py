"""Sliding-window rate limiters: never more than `limit` acquisitions in any `window_s` seconds.

`MemoryRateLimiter` is shared by every thread of a process; `RedisRateLimiter` by every process that
points at the same Redis key (the Celery workers). Both block in `acquire()` until a slot is free.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import redis

if TYPE_CHECKING:
    from espelho.config import Settings


class RateLimiter(Protocol):
    limit: int
    window_s: float

    def acquire(self) -> float:
        """Block until a request may be sent; return the seconds spent waiting."""
        ...

    def in_window(self) -> int:
        """Requests sent in the current window (by every process sharing it, for Redis)."""
        ...


class MemoryRateLimiter:
    def __init__(self, limit: int, window_s: float = 60.0, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if limit < 1:
            raise ValueError("rate limit must be at least 1 request per window")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.window_s:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return waited
                wait = self._sent[0] + self.window_s - now
            self._sleep(wait)
            waited += wait

    def in_window(self) -> int:
        with self._lock:
            since = self._clock() - self.window_s
            return sum(1 for sent in self._sent if sent > since)


# Atomic check-and-record in Redis, timed by the Redis server so workers with skewed clocks agree.
_ACQUIRE_LUA = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window_us = tonumber(ARGV[2])
local member = ARGV[3]
local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now_us - window_us)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now_us, member)
  redis.call('PEXPIRE', key, math.ceil(window_us / 1000) + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window_us - now_us
"""


class RedisRateLimiter:
    def __init__(self, client: redis.Redis, key: str, limit: int, window_s: float = 60.0, *,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if limit < 1:
            raise ValueError("rate limit must be at least 1 request per window")
        self.limit = limit
        self.window_s = window_s
        self.key = key
        self._sleep = sleep
        self._client = client
        self._script = client.register_script(_ACQUIRE_LUA)

    def acquire(self) -> float:
        waited = 0.0
        while True:
            wait_us = int(self._script(keys=[self.key], args=[self.limit, int(self.window_s * 1e6),
                                                              uuid.uuid4().hex]))
            if wait_us <= 0:
                return waited
            wait = wait_us / 1e6 + 0.001
            self._sleep(wait)
            waited += wait

    def in_window(self) -> int:
        # Scored by the Redis server's clock, like _ACQUIRE_LUA; members at exactly now - window are gone.
        seconds, micros = self._client.time()
        since_us = seconds * 1_000_000 + micros - int(self.window_s * 1e6)
        return int(self._client.zcount(self.key, f"({since_us}", "+inf"))


def build_rate_limiter(name: str, limit: int, redis_url: str | None, window_s: float = 60.0) -> RateLimiter:
    """Redis-backed when Redis is configured (shared by every worker), in-memory otherwise."""
    if redis_url:
        return RedisRateLimiter(redis.Redis.from_url(redis_url), f"espelho:ratelimit:{name}", limit, window_s)
    return MemoryRateLimiter(limit, window_s)


_shared: dict[tuple[str, int, str | None, float], RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_rate_limiter(name: str, limit: int, redis_url: str | None, window_s: float = 60.0) -> RateLimiter:
    """The one limiter of this process for an upstream, so every client and thread draws on it."""
    key = (name, limit, redis_url, window_s)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = build_rate_limiter(name, limit, redis_url, window_s)
        return _shared[key]


# The rate-limited upstreams, by the names their clients (and the metrics) use.
UPSTREAMS = ("comprasnet", "acessorias", "whatsapp")


def upstream_rate_limiter(upstream: str, settings: Settings) -> RateLimiter:
    """The shared limiter of one of UPSTREAMS, sized by its setting: what the clients send through and
    what /metrics reports."""
    return shared_rate_limiter(upstream, settings.upstream(upstream).rate_limit, settings.redis_url)
