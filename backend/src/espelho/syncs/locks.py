"""One sync per scope at a time ("uasg:160001", "acessorias").

A lock is held under a random token with a time-to-live; the holder extends it by heartbeat while it
works, so a lock left by a crashed process expires on its own. The token can travel with a task: the API
acquires the lock before answering 202 and the worker that picks the task up *adopts* it (same token).

- `RedisLocks`: redis-py `Lock` (atomic SET NX PX, token-checked extend/release) when Redis is set.
- `DatabaseLocks`: a row per scope in `sync_locks` (primary key = scope) otherwise.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime, timedelta
from typing import Protocol

import redis
from redis.exceptions import LockError
from sqlalchemy import String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from espelho.clock import now_utc
from espelho.config import Settings
from espelho.db import Base, Database


class SyncLock(Base):
    """A database lock: the scope is taken until `expira_em` unless its holder (token) extends it."""

    __tablename__ = "sync_locks"

    escopo: Mapped[str] = mapped_column(String(80), primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    adquirido_em: Mapped[datetime]
    expira_em: Mapped[datetime]


def new_token() -> str:
    return uuid.uuid4().hex


class Locks(Protocol):
    def acquire(self, scope: str, token: str, ttl_s: float) -> bool:
        """Take the scope if it is free (or expired); False when someone else holds it."""
        ...

    def adopt(self, scope: str, token: str, ttl_s: float) -> bool:
        """Keep holding with `token` (resetting the TTL), or take it if free; False if another holds it."""
        ...

    def extend(self, scope: str, token: str, ttl_s: float) -> bool:
        """Reset the TTL if `token` still holds the scope."""
        ...

    def release(self, scope: str, token: str) -> None:
        ...

    def holder(self, scope: str) -> str | None:
        """The token holding the scope now, or None."""
        ...


class RedisLocks:
    def __init__(self, client: redis.Redis, prefix: str = "espelho:") -> None:
        self.client = client
        self.prefix = prefix

    def _lock(self, scope: str, token: str, ttl_s: float) -> redis.lock.Lock:
        lock = self.client.lock(f"{self.prefix}lock:{scope}", timeout=ttl_s, blocking=False,
                                thread_local=False)
        lock.local.token = token.encode()
        return lock

    def acquire(self, scope: str, token: str, ttl_s: float) -> bool:
        return bool(self._lock(scope, token, ttl_s).acquire(blocking=False, token=token))

    def extend(self, scope: str, token: str, ttl_s: float) -> bool:
        try:
            return bool(self._lock(scope, token, ttl_s).extend(ttl_s, replace_ttl=True))
        except LockError:
            return False

    def adopt(self, scope: str, token: str, ttl_s: float) -> bool:
        return self.extend(scope, token, ttl_s) or self.acquire(scope, token, ttl_s)

    def release(self, scope: str, token: str) -> None:
        # Expired or taken over meanwhile: nothing of ours to release.
        with contextlib.suppress(LockError):
            self._lock(scope, token, 1).release()

    def holder(self, scope: str) -> str | None:
        value = self.client.get(f"{self.prefix}lock:{scope}")
        return value.decode() if isinstance(value, bytes) else value


class DatabaseLocks:
    """Each call is its own short transaction, so a lock is visible to every process at once."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def acquire(self, scope: str, token: str, ttl_s: float) -> bool:
        now = now_utc()
        try:
            with self.database.session() as session:
                session.execute(delete(SyncLock).where(SyncLock.escopo == scope, SyncLock.expira_em <= now))
                session.add(SyncLock(escopo=scope, token=token, adquirido_em=now,
                                     expira_em=now + timedelta(seconds=ttl_s)))
        except IntegrityError:  # held (primary key taken), possibly by a concurrent acquire
            return False
        return True

    def extend(self, scope: str, token: str, ttl_s: float) -> bool:
        now = now_utc()
        with self.database.session() as session:
            result = session.execute(
                update(SyncLock).where(SyncLock.escopo == scope, SyncLock.token == token,
                                       SyncLock.expira_em > now)
                .values(expira_em=now + timedelta(seconds=ttl_s)))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def adopt(self, scope: str, token: str, ttl_s: float) -> bool:
        return self.extend(scope, token, ttl_s) or self.acquire(scope, token, ttl_s)

    def release(self, scope: str, token: str) -> None:
        with self.database.session() as session:
            session.execute(delete(SyncLock).where(SyncLock.escopo == scope, SyncLock.token == token))

    def holder(self, scope: str) -> str | None:
        with self.database.session() as session:
            return session.scalar(select(SyncLock.token).where(SyncLock.escopo == scope,
                                                                SyncLock.expira_em > now_utc()))


def build_locks(settings: Settings, database: Database) -> Locks:
    if settings.redis_url:
        return RedisLocks(redis.Redis.from_url(settings.redis_url), settings.redis_key_prefix)
    return DatabaseLocks(database)
