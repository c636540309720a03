"""The client against the simulator: auth, throttling, retries, confirmation of empty pages, dedup."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from espelho.acessorias.client import AcessoriasClient
from espelho.config import Settings
from espelho.errors import UpstreamRejected, UpstreamUnavailable
from espelho.upstream.http import counting_calls
from espelho.upstream.ratelimit import MemoryRateLimiter
from tests.acessorias.conftest import SimControl


def client_for(settings: Settings, **kwargs: object) -> AcessoriasClient:
    return AcessoriasClient(settings, rate_limiter=MemoryRateLimiter(100_000), **kwargs)  # type: ignore[arg-type]


def test_bad_token_is_rejected_not_empty(settings: Settings, sim: SimControl) -> None:
    with (
        client_for(settings.model_copy(update={"acessorias_token": SecretStr("nope")})) as client,
        pytest.raises(UpstreamRejected),
    ):
        client.companies()


def test_list_deduplicates_unstable_pages(settings: Settings, sim: SimControl) -> None:
    with client_for(settings) as client:
        listing = client.process_list()
    ids = [row["ProcID"] for row in listing.rows]
    assert len(ids) == len(set(ids))
    assert listing.stats.duplicates > 0 and listing.stats.rows == len(ids) + listing.stats.duplicates


def test_single_process_one_element_array_and_missing_ids(settings: Settings, sim: SimControl) -> None:
    world = sim.world()
    with client_for(settings) as client:
        detail = client.process_detail(world["processos_ids"][0])
        assert (
            detail is not None
            and detail["ProcID"] == str(world["processos_ids"][0])
            and "ProcPassos" in detail
        )
        with counting_calls() as calls:
            assert client.process_detail(world["max_proc_id"] + 50) is None
        assert calls.calls == 2  # an empty answer is confirmed once before it is believed
        with counting_calls() as calls:
            assert client.process_detail(world["max_proc_id"] + 50, confirm_empty=False) is None
        assert calls.calls == 1


def test_silent_empty_page_is_retried_after_a_pause(settings: Settings, sim: SimControl) -> None:
    pauses: list[float] = []
    sim.faults(silent_empty_pages=1, silent_empty_on="companies")
    with client_for(settings, confirm_pause_s=1.5, sleep=pauses.append) as client:
        listing = client.companies()
    assert len(listing.rows) == sim.world()["empresas"]
    assert listing.stats.suspicious_empty == 1
    # 1.5 s before re-asking; once that found data (throttling), the next confirmation waits longer.
    assert pauses[0] == 1.5 and pauses[1] == 3.0


def test_429_is_retried_then_raised(settings: Settings, sim: SimControl) -> None:
    sim.faults(rate_limit=2)  # the simulator's own sliding window, per token
    with client_for(settings) as client, counting_calls() as calls:
        assert client.process_detail(sim.world()["processos_ids"][0]) is not None
        assert client.process_detail(sim.world()["processos_ids"][1]) is not None
        with pytest.raises(UpstreamUnavailable) as info:
            client.process_detail(sim.world()["processos_ids"][2])
    assert info.value.status == 429
    assert calls.calls == 2 + settings.acessorias_max_attempts


def test_5xx_is_retried(settings: Settings, sim: SimControl) -> None:
    sim.faults(http_500=2)
    with client_for(settings) as client, counting_calls() as calls:
        assert len(client.companies().rows) == sim.world()["empresas"]
    assert calls.calls >= 3 + 2


def test_persistent_failure_raises_never_empty(settings: Settings, sim: SimControl) -> None:
    sim.faults(http_500=1000)
    with client_for(settings) as client, pytest.raises(UpstreamUnavailable):
        client.process_list()


def test_deliveries_need_a_window_and_listall_only_recent(settings: Settings, sim: SimControl) -> None:
    from datetime import date, timedelta

    from espelho.clock import now_sao_paulo

    with client_for(settings) as client:
        cnpj = "".join(ch for ch in client.companies().rows[0]["Identificador"] if ch.isdigit())
        blocks = client.company_deliveries(cnpj, date(2020, 1, 1), date(2030, 1, 1))
        assert blocks and blocks[0]["Entregas"][0]["Config"]["EntID"]
        old = now_sao_paulo() - timedelta(days=3)
        assert client.deliveries_changed(old, date(2020, 1, 1), date(2030, 1, 1)).rows == []  # 204 upstream


def test_client_limiter_is_the_shared_one(settings: Settings) -> None:
    from espelho.upstream.ratelimit import RedisRateLimiter, shared_rate_limiter

    local = AcessoriasClient(settings)
    assert local.http.rate_limiter is shared_rate_limiter("acessorias", settings.acessorias_rate_limit, None)
    local.close()
    with_redis = settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"})
    shared = AcessoriasClient(with_redis)
    assert isinstance(shared.http.rate_limiter, RedisRateLimiter)
    assert shared.http.rate_limiter.key == "espelho:ratelimit:acessorias"
    shared.close()
