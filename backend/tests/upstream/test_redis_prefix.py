"""Every key Espelho keeps in Redis starts with ESPELHO_REDIS_KEY_PREFIX (issue 20, N5): the upstreams'
rate windows and Celery's queue and bindings, against a real Redis. Two deployments sharing one Redis
(two prefixes) keep apart rate windows."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import pytest
import redis

from espelho.config import Settings
from espelho.jobs.worker import CeleryDispatcher
from espelho.upstream.ratelimit import UPSTREAMS, upstream_rate_limiter
from tests.helpers import TEST_REDIS


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of its own for this test, emptied after."""
    url = f"{TEST_REDIS}/{random.randint(8, 15)}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not running at {TEST_REDIS} (`make test` starts it)")
    yield url
    for key in client.scan_iter(match="espelho-prefix-*"):
        client.delete(key)


def _deployment(settings: Settings, redis_url: str, rate_limit: int = 1) -> Settings:
    return settings.model_copy(update={
        "redis_url": redis_url, "redis_key_prefix": f"espelho-prefix-{uuid.uuid4().hex[:8]}:",
        "comprasnet_rate_limit": rate_limit, "acessorias_rate_limit": rate_limit,
        "whatsapp_rate_limit": rate_limit})


def test_every_redis_key_starts_with_the_prefix(settings: Settings, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    before = set(client.keys("*"))
    one, other = _deployment(settings, redis_url), _deployment(settings, redis_url)
    for deployment in (one, other):
        for upstream in UPSTREAMS:
            limiter = upstream_rate_limiter(upstream, deployment)
            # The other deployment's call, already in its window, does not count in this one.
            assert limiter.in_window() == 0, (upstream, deployment.redis_key_prefix)
            limiter.settle(limiter.acquire())
            assert limiter.in_window() == 1
        dispatcher = CeleryDispatcher(deployment)
        try:
            dispatcher.send("whatsapp.responder", {"mensagem_id": 1})
        finally:
            dispatcher.shutdown()
    created = {k.decode() for k in set(client.keys("*")) - before}
    for deployment in (one, other):
        mine = {k for k in created if k.startswith(deployment.redis_key_prefix)}
        assert {f"{deployment.redis_key_prefix}ratelimit:{u}" for u in UPSTREAMS} <= mine
        assert f"{deployment.redis_key_prefix}{deployment.celery_queue}" in mine  # the queued job
    stray = {k for k in created if not k.startswith((one.redis_key_prefix, other.redis_key_prefix))}
    assert stray == set()
