"""GET /metrics over HTTP: the sync log read at scrape time (right across processes), this process's
counters, the rate-limit windows, route templates as labels, and the bearer token."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from typer.testing import Result

from espelho.config import Settings
from espelho.db import Database
from espelho.main import create_app
from espelho.simulator.comprasnet import DEMO_UASG
from espelho.syncs.service import CONCLUIDA, RunCounts, finish_run, start_run
from espelho.upstream.ratelimit import upstream_rate_limiter
from tests.conftest import settings_env
from tests.helpers import TEST_REDIS, Sim
from tests.jobs.conftest import ESPELHO

DOCS = Path(__file__).resolve().parents[2] / "docs"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient, **headers: str) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


@pytest.mark.real_clock  # the age compares the CLI process's clock with this one's
def test_a_sync_run_by_another_process_is_counted_from_the_sync_log(
    anon_api: TestClient, settings: Settings, sim: Sim
) -> None:
    before = scrape(anon_api)
    # The sync runs in its own process, like a Celery worker or a cron'd CLI: the API made no call itself.
    done = subprocess.run([str(ESPELHO), "sync-comprasnet", "--uasg", DEMO_UASG, "--json"],
                          env={**os.environ, **settings_env(settings)}, capture_output=True, text=True,
                          timeout=120, check=True)
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    after = scrape(anon_api)

    kind = {"origem": "COMPRASNET", "tipo": "UASG"}
    assert value(after, "espelho_sync_runs_total", **kind, status="CONCLUIDA") == 1
    assert value(after, "espelho_sync_upstream_calls_total", **kind) == stats["api_calls"] == 1
    assert value(after, "espelho_sync_rows_total", **kind, change="novos") == stats["contratos_novos"] > 0
    assert value(after, "espelho_sync_rows_total", **kind, change="removidos") == 0
    assert value(after, "espelho_sync_duration_seconds_count", **kind, status="CONCLUIDA") == 1
    assert value(after, "espelho_sync_duration_seconds_bucket", **kind, status="CONCLUIDA", le="+Inf") == 1
    assert value(after, "espelho_sync_running", **kind) is None
    age = value(after, "espelho_sync_last_success_age_seconds", **kind, escopo=f"uasg:{DEMO_UASG}")
    assert age is not None and 0 <= age < 120
    # This process's own upstream counter did not move: those stay in the process that made the calls.
    upstream_200 = {"upstream": "comprasnet", "status": "200"}
    assert value(after, "espelho_upstream_requests_total", **upstream_200) == value(
        before, "espelho_upstream_requests_total", **upstream_200)


def test_in_process_calls_count_upstream_requests_errors_and_limiter_waits(
    anon_api: TestClient, cli: Callable[..., Result], sim: Sim
) -> None:
    def seen(samples: Samples, name: str, **labels: str) -> float:
        return value(samples, name, **labels) or 0.0

    before = scrape(anon_api)
    assert cli("sync-comprasnet", "--uasg", DEMO_UASG, "--json").exit_code == 0
    sim.reset()  # counts only the failing run's requests from here
    sim.fault(f"/contrato/ug/{DEMO_UASG}", status=503, times=None)
    assert cli("sync-comprasnet", "--uasg", DEMO_UASG, "--json").exit_code == 1
    after = scrape(anon_api)

    def grew(name: str, **labels: str) -> float:
        return seen(after, name, **labels) - seen(before, name, **labels)

    assert grew("espelho_upstream_requests_total", upstream="comprasnet", status="200") == 1
    # Every attempt is a request; the call fails once, after its retries.
    attempts = sim.calls(f"/contrato/ug/{DEMO_UASG}")
    assert attempts > 1
    assert grew("espelho_upstream_requests_total", upstream="comprasnet", status="503") == attempts
    assert grew("espelho_upstream_errors_total", upstream="comprasnet", error="upstream_unavailable") == 1
    assert grew("espelho_upstream_request_duration_seconds_count", upstream="comprasnet") == 1 + attempts
    assert grew("espelho_ratelimit_wait_seconds_count", upstream="comprasnet") == 1 + attempts
    assert seen(after, "espelho_ratelimit_window_requests", upstream="comprasnet") >= 1 + attempts
    assert value(after, "espelho_sync_runs_total", origem="COMPRASNET", tipo="UASG", status="ERRO") == 1


def test_contract_tabs_count_as_runs_but_get_no_age_series(anon_api: TestClient, database: Database) -> None:
    run_id = start_run(database, origem="COMPRASNET", tipo="CONTRATO", escopo="contrato:42")
    finish_run(database, run_id, status=CONCLUIDA, elapsed_s=0.3, report=RunCounts(api_calls=4))
    samples = scrape(anon_api)
    kind = {"origem": "COMPRASNET", "tipo": "CONTRATO"}
    assert value(samples, "espelho_sync_runs_total", **kind, status="CONCLUIDA") == 1
    assert value(samples, "espelho_sync_upstream_calls_total", **kind) == 4
    assert value(samples, "espelho_sync_duration_seconds_bucket", **kind, status="CONCLUIDA", le="1.0") == 1
    assert not [key for key in samples if key[0] == "espelho_sync_last_success_age_seconds"]


def test_requests_are_labelled_by_route_template_not_raw_path(api: TestClient) -> None:
    assert api.get("/api/contratos/987654/").status_code == 404
    api.request("BREW", "/api/v1/health")  # a made-up method is counted, under OTHER
    samples = scrape(api)
    routes = {dict(labels)["route"] for name, labels in samples if name == "espelho_http_requests_total"}
    methods = {dict(labels)["method"] for name, labels in samples if name == "espelho_http_requests_total"}
    assert "OTHER" in methods and "BREW" not in methods
    assert "/api/contratos/{id}/" in routes
    assert value(samples, "espelho_http_requests_total", method="GET", route="/api/contratos/{id}/",
                 status="404") is not None
    assert not [route for route in routes if "987654" in route]
    # Exported from the start (at zero until the first send; tests/whatsapp counts the sends).
    assert value(samples, "espelho_whatsapp_messages_total", status="sent") is not None
    assert value(samples, "espelho_whatsapp_messages_total", status="failed") is not None


def test_the_token_guards_metrics_when_set(api: TestClient, settings: Settings) -> None:
    token = "metrics-token-0123456789"
    guarded = settings.model_copy(update={"metrics_token": SecretStr(token)})
    with TestClient(create_app(guarded)) as client:
        for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": token},
                        {"Authorization": api.headers["Authorization"]}):  # a user's login token is not it
            response = client.get("/metrics", headers=headers)
            assert response.status_code == 401, headers
            assert response.json()["error"] == "unauthorized"
            assert response.headers["WWW-Authenticate"] == "Bearer"
            assert token not in response.text
        samples = scrape(client, Authorization=f"Bearer {token}")
    assert value(samples, "espelho_ratelimit_limit", upstream="acessorias") == settings.acessorias_rate_limit
    assert value(samples, "espelho_ratelimit_limit", upstream="whatsapp") == settings.whatsapp_rate_limit


def test_with_redis_the_window_gauge_counts_every_workers_requests(settings: Settings) -> None:
    shared = settings.model_copy(update={"redis_url": f"{TEST_REDIS}/{random.randint(8, 15)}"})
    # Two requests sent by "workers": other processes drawing on the same Redis window.
    limiter = upstream_rate_limiter("acessorias", shared)
    limiter.acquire()
    limiter.acquire()
    with TestClient(create_app(shared)) as client:
        samples = scrape(client)
    assert (value(samples, "espelho_ratelimit_window_requests", upstream="acessorias") or 0) >= 2
    assert value(samples, "espelho_ratelimit_window_seconds", upstream="acessorias") == 60


def test_without_redis_the_acessorias_window_gauge_reads_the_database(settings: Settings,
                                                                      database: Database) -> None:
    """The Acessórias window lives in `rate_limit_slots` without Redis (a CLI sync next to the server
    draws on it): /metrics reports those rows, not this process's empty memory."""
    assert settings.redis_url is None
    cli_run = upstream_rate_limiter("acessorias", settings, database)  # what run_sync's client draws on
    cli_run.settle(cli_run.acquire())
    cli_run.acquire(hold_s=30.0)  # still in flight: it counts too
    with TestClient(create_app(settings)) as client:
        samples = scrape(client)
    assert value(samples, "espelho_ratelimit_window_requests", upstream="acessorias") == 2
    assert value(samples, "espelho_ratelimit_window_requests", upstream="whatsapp") == 0


def test_the_grafana_dashboard_queries_only_exported_metrics(anon_api: TestClient) -> None:
    exported = {line.split()[2] for line in anon_api.get("/metrics").text.splitlines()
                if line.startswith("# TYPE espelho_")}
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text(encoding="utf-8"))
    queried = {re.sub(r"_(bucket|sum|count)$", "", name)
               for panel in dashboard["panels"] for target in panel.get("targets", [])
               for name in re.findall(r"espelho_[a-z_]+", target["expr"])}
    assert queried and queried <= exported, queried - exported


def test_metrics_is_not_swallowed_by_the_web_app(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>Espelho</title>", encoding="utf-8")
    with TestClient(create_app(settings.model_copy(update={"web_dist_dir": str(tmp_path)}))) as client:
        assert client.get("/processos").text.startswith("<!doctype html>")  # the SPA's catch-all is there
        assert value(scrape(client), "espelho_ratelimit_window_seconds", upstream="comprasnet") == 60
