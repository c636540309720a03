"""A scope's lock ("uasg:160001", "acessorias"): held for a run's whole life, released by the database or the
operating system the moment its process dies, on any machine. Nothing expires and nothing is swept.

- PostgreSQL: a session advisory lock on a connection of its own. It must be a real session: direct, or
  PgBouncer in session mode (ESPELHO_SYNC_LOCK_DATABASE_URL, when the app's URL pools transactions).
- SQLite (one host by nature): `flock` on `<database file>.locks/<scope>.lock` (`fuser` names its holder).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import socket
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url


def try_lock(database_url: str, scope: str) -> AdvisoryLock | FileLock | None:
    """Take `scope`'s lock now, or None when another process or thread holds it: never waits."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        holder = f"espelho {scope} pid {os.getpid()}@{socket.gethostname()}"[:63]  # for an operator
        return AdvisoryLock.take(psycopg.connect(conninfo, autocommit=True, application_name=holder), scope)
    return FileLock.take(url.database, scope)


def lock_key(scope: str) -> int:
    """The advisory lock key of a scope: 63 bits of its SHA-256, the same in every process."""
    return int.from_bytes(hashlib.sha256(f"espelho:{scope}".encode()).digest()[:8], "big") >> 1


class AdvisoryLock:
    def __init__(self, connection: psycopg.Connection[tuple[object, ...]], key: int) -> None:
        self.connection, self.key = connection, key

    @classmethod
    def take(cls, connection: psycopg.Connection[tuple[object, ...]], scope: str) -> AdvisoryLock | None:
        lock, taken = cls(connection, lock_key(scope)), False
        try:  # the server ends the session of a machine that vanished (power, network) within a minute
            connection.execute("SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; "
                               "SET tcp_keepalives_count = 3")
            taken = connection.execute("SELECT pg_try_advisory_lock(%s)", (lock.key,)).fetchone() == (True,)
            return lock if taken else None
        finally:
            if not taken:
                connection.close()

    def holds(self) -> bool:
        """This session is alive and holds the key (pg_locks shows a bigint key as two halves)."""
        try:
            return self.connection.execute(
                "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
                " AND pid = pg_backend_pid() AND classid::bigint = %s AND objid::bigint = %s)",
                (self.key >> 32, self.key & 0xFFFFFFFF)).fetchone() == (True,)
        except psycopg.Error:  # the session is gone (terminated, network): so is the lock
            return False

    def release(self) -> None:
        self.connection.close()  # its session ends (PgBouncer's session pool resets it: DISCARD ALL)


class FileLock:
    def __init__(self, path: Path, fd: int) -> None:
        self.path, self.fd = path, fd

    @classmethod
    def take(cls, database: str | None, scope: str) -> FileLock | None:
        path = Path(f"{database}.locks") / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', scope)}.lock"
        path.parent.mkdir(exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:  # flock, not POSIX record locks: two threads of one process exclude each other too
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return cls(path, fd)

    def holds(self) -> bool:
        """The file locked is still the one at its path (one deleted or replaced lets another in)."""
        try:
            return os.stat(self.path).st_ino == os.fstat(self.fd).st_ino
        except OSError:
            return False

    def release(self) -> None:
        os.close(self.fd)  # the file stays: deleting it could let two processes lock two files

