"""Scope locks: the database lock (SQLite, PostgreSQL) and the Redis lock behave alike."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from espelho.db import Database
from espelho.syncs.locks import DatabaseLocks, Locks, RedisLocks
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


def test_extend_and_adopt_need_the_token(locks: Locks) -> None:
    assert locks.acquire("acessorias", "api-reservation", 30)
    assert not locks.extend("acessorias", "someone-else", 30)
    assert not locks.adopt("acessorias", "someone-else", 30)
    assert locks.adopt("acessorias", "api-reservation", 30)  # the worker picking the task up
    assert locks.extend("acessorias", "api-reservation", 30)
    locks.release("acessorias", "api-reservation")
    assert locks.adopt("acessorias", "redelivered", 30)  # free: adopting takes it


def test_an_abandoned_lock_expires(locks: Locks) -> None:
    assert locks.acquire("acessorias", "crashed", 0.5)
    assert not locks.acquire("acessorias", "next", 30)
    wait_for(lambda: locks.acquire("acessorias", "next", 30), timeout_s=10, what="the lock to expire")
    assert locks.holder("acessorias") == "next"
    assert not locks.extend("acessorias", "crashed", 30)
