"""Scope locks (syncs/locks.py) on SQLite (a file lock) and PostgreSQL (a session advisory lock): one holder,
freed the moment the holding process dies, and `holds()` knows when the lock was lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from espelho.db import Database
from espelho.syncs.locks import AdvisoryLock, FileLock, lock_key, try_lock
from tests.jobs.conftest import wait_for

BACKEND = Path(__file__).resolve().parents[2]
HOLD_IN_A_CHILD = """
import sys, time
from espelho.syncs.locks import lock_key, try_lock
lock = try_lock(sys.argv[1], sys.argv[2])
print("held" if lock else "busy", lock_key(sys.argv[2]), flush=True)
time.sleep(600)
"""


def hold_in_a_child(url: str, scope: str) -> tuple[subprocess.Popen[str], str]:
    """A separate process that takes `scope`'s lock and keeps it (and its process) until killed."""
    child = subprocess.Popen([sys.executable, "-c", HOLD_IN_A_CHILD, url, scope], stdout=subprocess.PIPE,
                             text=True, cwd=BACKEND)
    assert child.stdout is not None
    return child, child.stdout.readline().strip()


def test_one_holder_per_scope(database: Database) -> None:
    first = try_lock(database.url, "uasg:160001")
    assert first is not None and first.holds()
    try:
        assert try_lock(database.url, "uasg:160001") is None  # the same process, another caller
        other = try_lock(database.url, "uasg:200999")  # another scope is independent
        assert other is not None
        other.release()
    finally:
        first.release()
    again = try_lock(database.url, "uasg:160001")
    assert again is not None
    again.release()


def test_a_killed_holder_frees_its_lock_at_once(database: Database) -> None:
    """No TTL, no sweep: the database ends a killed process's session, the kernel drops its file lock."""
    child, said = hold_in_a_child(database.url, "acessorias")
    try:
        assert said == f"held {lock_key('acessorias')}"  # the key is the same in every process
        assert try_lock(database.url, "acessorias") is None
        refused, said = hold_in_a_child(database.url, "acessorias")
        refused.kill()
        refused.wait()
        assert said.startswith("busy")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    # The kernel closed the dead process's socket; its PostgreSQL backend ends when it reads that.
    lock = wait_for(lambda: try_lock(database.url, "acessorias"), timeout_s=10, interval_s=0.01,
                    what="the killed holder's lock to be free")
    lock.release()


def test_holds_tells_when_the_lock_was_lost(database: Database) -> None:
    lock = try_lock(database.url, "acessorias")
    assert lock is not None and lock.holds()
    if isinstance(lock, AdvisoryLock):  # an operator ends its session
        with database.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lock.connection.info.backend_pid})
    else:  # someone deletes the lock file: another process could lock a new one
        assert isinstance(lock, FileLock)
        os.unlink(lock.path)
    assert not lock.holds()
    successor = try_lock(database.url, "acessorias")
    assert successor is not None and successor.holds()
    lock.release()  # releasing a lost lock is harmless, and leaves the successor's alone
    assert successor.holds()
    successor.release()


def test_the_lock_lives_where_the_database_says(database: Database, tmp_path: Path) -> None:
    lock = try_lock(database.url, "uasg:160001")
    assert lock is not None
    try:
        if isinstance(lock, FileLock):
            assert lock.path == Path(f"{make_url(database.url).database}.locks") / "uasg_160001.lock"
        else:  # a connection of its own, named after its holder for an operator (pg_stat_activity)
            with database.engine.connect() as conn:
                name = conn.scalar(text("SELECT application_name FROM pg_stat_activity WHERE pid = :pid"),
                                   {"pid": lock.connection.info.backend_pid})
            assert name.startswith(f"espelho uasg:160001 pid {os.getpid()}@")
    finally:
        lock.release()


@pytest.mark.parametrize("scope", ["acessorias", "uasg:160001", "contrato:2147483647"])
def test_lock_keys_are_63_bit_and_distinct(scope: str) -> None:
    assert 0 <= lock_key(scope) < 2**63
    assert lock_key(scope) != lock_key(scope + "x")
