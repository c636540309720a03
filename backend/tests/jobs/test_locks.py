"""Scope locks: the database lock (SQLite, PostgreSQL) and the Redis lock behave alike."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
import redis

from espelho.db import Database
from espelho.syncs.locks import DatabaseLocks, Locks, RedisLocks, holder_died, new_token, reservation_token
from tests.helpers import TEST_REDIS
from tests.jobs.conftest import wait_for


@pytest.fixture(params=["database", "redis"])
def locks(request: pytest.FixtureRequest, database: Database) -> Iterator[Locks]:
    if request.param == "database":
        yield DatabaseLocks(database)
        return
    client = redis.Redis.from_url(f"{TEST_REDIS}/9")
    prefix = f"espelho-test-{uuid.uuid4().hex[:8]}:"
    yield RedisLocks(client, prefix)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_one_holder_per_scope(locks: Locks) -> None:
    assert locks.acquire("uasg:160001", "a", 30)
    assert not locks.acquire("uasg:160001", "b", 30)
    assert locks.acquire("uasg:200999", "b", 30)  # another scope is independent
    assert locks.holder("uasg:160001") == "a"
    locks.release("uasg:160001", "b")  # not b's: no effect
    assert locks.holder("uasg:160001") == "a"
    locks.release("uasg:160001", "a")
    assert locks.holder("uasg:160001") is None
    assert locks.acquire("uasg:160001", "b", 30)


def test_adopting_a_reservation_holds_the_scope_under_the_workers_token(locks: Locks) -> None:
    assert locks.acquire("acessorias", "api-reservation", 30)
    assert not locks.extend("acessorias", "someone-else", 30)
    assert not locks.adopt("acessorias", "someone-else", "worker", 30)
    assert locks.holder("acessorias") == "api-reservation"
    assert locks.adopt("acessorias", "api-reservation", "worker", 30)  # the worker picking the task up
    assert locks.holder("acessorias") == "worker"
    assert not locks.extend("acessorias", "api-reservation", 30)  # the reservation is over
    assert locks.extend("acessorias", "worker", 30)
    locks.release("acessorias", "worker")
    assert locks.adopt("acessorias", "api-reservation", "redelivered", 30)  # free: adopting takes it
    assert locks.holder("acessorias") == "redelivered"


def test_an_abandoned_lock_expires(locks: Locks) -> None:
    assert locks.acquire("acessorias", "crashed", 0.5)
    assert not locks.acquire("acessorias", "next", 30)
    wait_for(lambda: locks.acquire("acessorias", "next", 30), timeout_s=10, what="the lock to expire")
    assert locks.holder("acessorias") == "next"
    assert not locks.extend("acessorias", "crashed", 30)


TOKEN_OF_A_CHILD = ("from espelho.syncs.locks import new_token; print(new_token(), flush=True); "
                    "import time; time.sleep(60)")


def test_a_token_tells_when_its_process_died() -> None:
    mine = new_token()
    assert len(mine) <= 64 and not holder_died(mine)  # this process, alive
    child = subprocess.Popen([sys.executable, "-c", TOKEN_OF_A_CHILD], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    theirs = child.stdout.readline().strip()
    assert not holder_died(theirs)
    child.send_signal(signal.SIGKILL)
    try:
        # Killed, not yet reaped: a zombie.
        wait_for(lambda: holder_died(theirs), timeout_s=10, what="the killed child to be seen dead")
    finally:
        child.wait()
    assert holder_died(theirs)  # reaped: no such process

    random_part, machine, pid, started = mine.split(".")
    assert holder_died(".".join([random_part, machine, pid, str(int(started) + 1)]))  # its pid reused
    # What cannot be told is never taken for dead: the lock then ends by its TTL.
    assert not holder_died(".".join([random_part, "0123456789", pid, "1"]))  # another machine
    assert not holder_died(reservation_token())  # a queued job's reservation has no process
    assert not holder_died("a.b.c.d") and not holder_died("api-reservation")

