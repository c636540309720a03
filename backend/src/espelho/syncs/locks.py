"""One sync per scope at a time ("uasg:160001", "acessorias").

A lock is held under a token with a time-to-live; the holder extends it by heartbeat while it works, so a
lock left by a crashed process expires on its own. A holder's token names its process (`new_token`), so a
lock whose holder is a process of this machine that has died (kill -9, OOM) can be taken at once
(`holder_died`) instead of one TTL later. A trigger's lock is a *reservation* (`reservation_token`, no
process: a queued job has none yet) that travels with the task; the worker that picks the task up
*adopts* it, holding the scope from then on under its own token.

- `RedisLocks`: redis-py `Lock` (atomic SET NX PX, token-checked extend/release) when Redis is set.
- `DatabaseLocks`: a row per scope in `sync_locks` (primary key = scope) otherwise.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import socket
import uuid
import weakref
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import redis
from redis.exceptions import LockError
from sqlalchemy import String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from espelho.clock import now_utc
from espelho.config import Settings
from espelho.db import Base, Database
from espelho.jobs.registry import JobContext


class SyncLock(Base):
    """A database lock: the scope is taken until `expira_em` unless its holder (token) extends it."""

    __tablename__ = "sync_locks"

    escopo: Mapped[str] = mapped_column(String(80), primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    adquirido_em: Mapped[datetime]
    expira_em: Mapped[datetime]


def new_token() -> str:
    """A token naming the process that holds with it: `<random>.<machine>.<pid>.<process start>`; where a
    process cannot be named (not Linux), a plain random token, which ends only by release or TTL."""
    machine, pid = _machine(), os.getpid()
    started = _process_state(pid)
    if machine is None or started is None:
        return reservation_token()
    return f"{uuid.uuid4().hex[:20]}.{machine}.{pid}.{started[0]}"


def reservation_token() -> str:
    """A token held for a job still in the queue: no process yet, so it ends only by release or TTL."""
    return uuid.uuid4().hex


ZOMBIE_STATES = frozenset("ZX")  # /proc/<pid>/stat states of a process that has ended


def holder_died(token: str) -> bool:
    """The token's process ran in this machine's pid namespace (since its last boot) and is gone: ended, a
    zombie, or its pid reused by another process. False whenever that cannot be told (another machine or
    container, a reservation, a process of another user): the lock then ends by TTL."""
    parts = token.split(".")
    machine = _machine()
    if (len(parts) != 4 or machine is None or parts[1] != machine
            or not (parts[2].isdigit() and parts[3].isdigit())):
        return False
    pid = int(parts[2])
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process: alive, and its start cannot be read
        return False
    now = _process_state(pid)
    return now is None or now[0] != int(parts[3]) or now[1] in ZOMBIE_STATES


@functools.cache
def _machine() -> str | None:
    """Where a pid means the same process: one boot of one host (pids start over after a reboot), one pid
    namespace (two containers given the same hostname number their processes apart). None off Linux."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return None
    return hashlib.sha1(f"{socket.gethostname()}|{boot}|{namespace}".encode()).hexdigest()[:10]


def _process_state(pid: int) -> tuple[int, str] | None:
    """(start in clock ticks since boot, state letter) of a process, from /proc/<pid>/stat; None when it is
    gone. Ticks since boot never change for a process, unlike a wall-clock start time, which moves when
    the clock is stepped (NTP) and would make a live holder look like a new process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": the name may hold spaces
    return int(fields[19]), fields[0]  # fields 22 (starttime) and 3 (state) of proc(5)


class Locks(Protocol):
    def acquire(self, scope: str, token: str, ttl_s: float) -> bool:
        """Take the scope if it is free (or expired); False when someone else holds it."""
        ...

    def adopt(self, scope: str, reserved: str, token: str, ttl_s: float) -> bool:
        """Hold the scope under `token` (a fresh TTL) if it is free or held by `reserved`; False if another
        holds it."""
        ...

    def extend(self, scope: str, token: str, ttl_s: float) -> bool:
        """Reset the TTL if `token` still holds the scope."""
        ...

    def release(self, scope: str, token: str) -> None:
        """Free the scope if `token` holds it (a compare-and-delete)."""
        ...

    def holder(self, scope: str) -> str | None:
        """The token holding the scope now, or None."""
        ...


# KEYS[1] the lock, ARGV: reserved token, new token, TTL in ms. One script, so nobody takes the scope between
# the check and the set.
ADOPT_SCRIPT = """
local held = redis.call('get', KEYS[1])
if held and held ~= ARGV[1] then return 0 end
redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""


class RedisLocks:
    def __init__(self, client: redis.Redis, prefix: str = "espelho:") -> None:
        self.client = client
        self.prefix = prefix
        self._adopt = client.register_script(ADOPT_SCRIPT)

    def _key(self, scope: str) -> str:
        return f"{self.prefix}lock:{scope}"

    def _lock(self, scope: str, token: str, ttl_s: float) -> redis.lock.Lock:
        lock = self.client.lock(self._key(scope), timeout=ttl_s, blocking=False,
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

    def adopt(self, scope: str, reserved: str, token: str, ttl_s: float) -> bool:
        return bool(self._adopt(keys=[self._key(scope)],
                                args=[reserved, token, max(1, round(ttl_s * 1000))]))

    def release(self, scope: str, token: str) -> None:
        # Expired or taken over meanwhile: nothing of ours to release.
        with contextlib.suppress(LockError):
            self._lock(scope, token, 1).release()

    def holder(self, scope: str) -> str | None:
        value = self.client.get(self._key(scope))
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

    def adopt(self, scope: str, reserved: str, token: str, ttl_s: float) -> bool:
        now = now_utc()
        with self.database.session() as session:
            result = session.execute(
                update(SyncLock).where(SyncLock.escopo == scope, SyncLock.token == reserved,
                                       SyncLock.expira_em > now)
                .values(token=token, expira_em=now + timedelta(seconds=ttl_s)))
            if result.rowcount:  # type: ignore[attr-defined]
                return True
        return self.acquire(scope, token, ttl_s)

    def release(self, scope: str, token: str) -> None:
        with self.database.session() as session:
            session.execute(delete(SyncLock).where(SyncLock.escopo == scope, SyncLock.token == token))

    def holder(self, scope: str) -> str | None:
        with self.database.session() as session:
            return session.scalar(select(SyncLock.token).where(SyncLock.escopo == scope,
                                                                SyncLock.expira_em > now_utc()))


_BUILT: weakref.WeakKeyDictionary[JobContext, Locks] = weakref.WeakKeyDictionary()


def locks_of(ctx: JobContext) -> Locks:
    """The locks of a job context, built on first use and kept while the context lives."""
    locks = _BUILT.get(ctx)
    if locks is None:
        locks = _BUILT.setdefault(ctx, build_locks(ctx.settings, ctx.database))
    return locks


def build_locks(settings: Settings, database: Database) -> Locks:
    if settings.redis_url:
        return RedisLocks(redis.Redis.from_url(settings.redis_url), settings.redis_key_prefix)
    return DatabaseLocks(database)
