"""Sliding-window rate limiters: never more than `limit` requests in any `window_s` seconds, counted as
the upstream counts them — on arrival.

A request takes a slot before it is sent (`acquire`) and settles it when its answer is back (`settle`).
While in flight the slot counts from "send + hold_s" (the latest the request can reach the upstream: its
timeout); once settled it counts from the moment the answer came back, which is after the request
arrived. So the window of *arrivals* never holds more than `limit`, whatever the network latency does
(counting from the send instead let 31 arrivals land in one window at a limit of 30).

- `MemoryRateLimiter`: shared by the threads of one process.
- `RedisRateLimiter`: shared by every process pointing at one Redis key (the Celery workers).
- `DatabaseRateLimiter`: a row per slot in `rate_limit_slots`, for deployments without Redis: a run
  started right after a crash, or a CLI run next to the server, counts what was sent in the last minute.
"""

from __future__ import annotations

import threading
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import redis
from sqlalchemy import Float, String, delete, func, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from espelho.clock import now_utc
from espelho.db import Base, Database

if TYPE_CHECKING:
    from espelho.config import Settings


@dataclass(frozen=True)
class Slot:
    """A request's place in the window; `waited` is the seconds `acquire` spent blocked."""

    key: str
    waited: float = 0.0


class RateLimiter(Protocol):
    limit: int
    window_s: float

    def acquire(self, hold_s: float = 0.0) -> Slot:
        """Block until a request may be sent; its slot counts from now + `hold_s` until settled."""
        ...

    def settle(self, slot: Slot) -> None:
        """The answer is back: the slot now counts from this moment."""
        ...

    def in_window(self) -> int:
        """Slots in the current window, in flight or settled (by every process sharing it, for Redis and
        the database)."""
        ...


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise ValueError("rate limit must be at least 1 request per window")


class MemoryRateLimiter:
    def __init__(self, limit: int, window_s: float = 60.0, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        _check_limit(limit)
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._slots: dict[str, float] = {}  # key -> the time the slot counts from
        self._lock = threading.Lock()

    def acquire(self, hold_s: float = 0.0) -> Slot:
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                for key in [k for k, t in self._slots.items() if t <= now - self.window_s]:
                    del self._slots[key]
                if len(self._slots) < self.limit:
                    key = uuid.uuid4().hex
                    self._slots[key] = now + hold_s
                    return Slot(key, waited)
                wait = min(self._slots.values()) + self.window_s - now
            self._sleep(wait)
            waited += wait

    def settle(self, slot: Slot) -> None:
        with self._lock:
            if slot.key in self._slots:
                self._slots[slot.key] = self._clock()

    def in_window(self) -> int:
        with self._lock:
            since = self._clock() - self.window_s
            return sum(1 for counts_from in self._slots.values() if counts_from > since)


# Atomic check-and-record in Redis, timed by the Redis server so workers with skewed clocks agree.
_ACQUIRE_LUA = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window_us = tonumber(ARGV[2])
local member = ARGV[3]
local hold_us = tonumber(ARGV[4])
local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now_us - window_us)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now_us + hold_us, member)
  redis.call('PEXPIRE', key, math.ceil((window_us + hold_us) / 1000) + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window_us - now_us
"""

_SETTLE_LUA = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) * 1000000 + tonumber(t[2]), ARGV[1])
return 0
"""


class RedisRateLimiter:
    def __init__(self, client: redis.Redis, key: str, limit: int, window_s: float = 60.0, *,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        _check_limit(limit)
        self.limit, self.window_s, self.key = limit, window_s, key
        self._client, self._sleep = client, sleep
        self._acquire = client.register_script(_ACQUIRE_LUA)
        self._settle = client.register_script(_SETTLE_LUA)

    def acquire(self, hold_s: float = 0.0) -> Slot:
        waited = 0.0
        member = uuid.uuid4().hex
        while True:
            wait_us = int(self._acquire(keys=[self.key], args=[self.limit, int(self.window_s * 1e6), member,
                                                               int(hold_s * 1e6)]))
            if wait_us <= 0:
                return Slot(member, waited)
            wait = wait_us / 1e6 + 0.001
            self._sleep(wait)
            waited += wait

    def settle(self, slot: Slot) -> None:
        self._settle(keys=[self.key], args=[slot.key])

    def in_window(self) -> int:
        # Scored by the Redis server's clock, like _ACQUIRE_LUA; members at exactly now - window are gone
        # (an in-flight slot scores in the future, so it counts).
        seconds, micros = self._client.time()
        since_us = seconds * 1_000_000 + micros - int(self.window_s * 1e6)
        return int(self._client.zcount(self.key, f"({since_us}", "+inf"))


class RateLimitSlot(Base):
    """One request in an upstream's window (`DatabaseRateLimiter`); `conta_de` is epoch seconds."""

    __tablename__ = "rate_limit_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    nome: Mapped[str] = mapped_column(String(40))  # the upstream
    chave: Mapped[str] = mapped_column(String(32), unique=True)
    conta_de: Mapped[float] = mapped_column(Float)


def _wall_clock() -> float:
    return now_utc().timestamp()


class DatabaseRateLimiter:
    """The window in the database, shared by every process using it. Each acquisition is one short
    transaction holding the window's lock (an advisory lock on PostgreSQL; on SQLite the DELETE that opens
    it takes the database's write lock), so two processes never both take the last slot."""

    def __init__(self, database: Database, name: str, limit: int, window_s: float = 60.0, *,
                 clock: Callable[[], float] = _wall_clock,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        _check_limit(limit)
        self.database, self.name, self.limit, self.window_s = database, name, limit, window_s
        self._clock, self._sleep = clock, sleep
        self._local = threading.Lock()  # this process's threads queue here, not in the database
        self._advisory_key = zlib.crc32(f"espelho:ratelimit:{name}".encode())

    def _try(self, key: str, hold_s: float) -> float:
        """Take a slot (0.0) or say how long to wait for one."""
        with self.database.session() as session:
            self._lock_window(session)
            # Read under the lock: slots are stamped in the order they are granted. A time read before
            # waiting for the lock would stamp a slot earlier than one granted before it, and that slot would
            # leave the window too soon.
            now = self._clock()
            self._prune(session, now)
            taken, oldest = session.execute(
                select(func.count(), func.min(RateLimitSlot.conta_de)).where(RateLimitSlot.nome == self.name)
            ).one()
            if taken < self.limit:
                session.add(RateLimitSlot(nome=self.name, chave=key, conta_de=now + hold_s))
                return 0.0
            return max(float(oldest) + self.window_s - now, 0.001)

    def _lock_window(self, session: Session) -> None:
        """Hold the window's lock until the transaction ends: an advisory lock on PostgreSQL; on SQLite any
        write takes the database's single write lock, and pruning the expired slots is one."""
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._advisory_key})
        else:
            self._prune(session, self._clock())

    def _prune(self, session: Session, now: float) -> None:
        session.execute(delete(RateLimitSlot).where(RateLimitSlot.nome == self.name,
                                                    RateLimitSlot.conta_de <= now - self.window_s))

    def acquire(self, hold_s: float = 0.0) -> Slot:
        waited = 0.0
        key = uuid.uuid4().hex
        while True:
            with self._local:
                wait = self._try(key, hold_s)
            if wait <= 0:
                return Slot(key, waited)
            self._sleep(wait)
            waited += wait

    def settle(self, slot: Slot) -> None:
        with self.database.session() as session:
            session.execute(update(RateLimitSlot).where(RateLimitSlot.chave == slot.key)
                            .values(conta_de=self._clock()))

    def in_window(self) -> int:
        since = self._clock() - self.window_s
        with self.database.session() as session:
            return int(session.scalar(select(func.count()).where(
                RateLimitSlot.nome == self.name, RateLimitSlot.conta_de > since)) or 0)


def build_rate_limiter(name: str, limit: int, redis_url: str | None, window_s: float = 60.0,
                       key_prefix: str = "espelho:") -> RateLimiter:
    """Redis-backed when Redis is configured (shared by every worker, under ESPELHO_REDIS_KEY_PREFIX like
    every key Espelho keeps in Redis, so deployments sharing one Redis keep apart windows), in-memory
    otherwise."""
    if redis_url:
        return RedisRateLimiter(redis.Redis.from_url(redis_url), f"{key_prefix}ratelimit:{name}", limit,
                                window_s)
    return MemoryRateLimiter(limit, window_s)


_shared: dict[tuple[str, int, str | None, float, str], RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_rate_limiter(name: str, limit: int, redis_url: str | None, window_s: float = 60.0,
                        key_prefix: str = "espelho:") -> RateLimiter:
    """The one limiter of this process for an upstream, so every client and thread draws on it."""
    key = (name, limit, redis_url, window_s, key_prefix)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = build_rate_limiter(name, limit, redis_url, window_s, key_prefix)
        return _shared[key]


def durable_rate_limiter(name: str, limit: int, redis_url: str | None, database: Database | None,
                         window_s: float = 60.0, key_prefix: str = "espelho:") -> RateLimiter:
    """A window that outlives this process: Redis when configured, else the database (every limiter on
    one database shares its rows); in memory only without either."""
    if redis_url or database is None:
        return shared_rate_limiter(name, limit, redis_url, window_s, key_prefix)
    return DatabaseRateLimiter(database, name, limit, window_s)


# The rate-limited upstreams, by the names their clients (and the metrics) use.
UPSTREAMS = ("comprasnet", "acessorias", "whatsapp")
# Those whose window outlives the process without Redis (rows in `rate_limit_slots`): a full Acessórias
# sync lasts up to an hour and is resumed right after a crash, or run by the CLI next to the server.
WINDOW_IN_DATABASE = frozenset({"acessorias"})


def upstream_rate_limiter(upstream: str, settings: Settings, database: Database | None = None) -> RateLimiter:
    """The limiter of one of UPSTREAMS, sized by its setting: what its clients send through and what
    /metrics reports. Given the `database`, an upstream in WINDOW_IN_DATABASE keeps its window there when
    Redis is not configured (see durable_rate_limiter)."""
    conf = settings.upstream(upstream)
    prefix = settings.redis_key_prefix
    if upstream in WINDOW_IN_DATABASE:
        return durable_rate_limiter(upstream, conf.rate_limit, settings.redis_url, database,
                                    key_prefix=prefix)
    return shared_rate_limiter(upstream, conf.rate_limit, settings.redis_url, key_prefix=prefix)
