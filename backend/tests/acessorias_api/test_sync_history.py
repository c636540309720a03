"""GET /api/v1/sync/status and /api/v1/sync/history: runs of both upstreams from `sincronizacoes`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from pydantic import SecretStr

from espelho.acessorias.sync import run_sync
from espelho.clock import now_utc
from espelho.config import Settings
from espelho.db import Database
from espelho.errors import EspelhoError
from espelho.syncs import service as runs
from espelho.syncs.models import Sincronizacao

API = "/api/v1"


def add_run(database: Database, origem: str, tipo: str, escopo: str, status: str, minutes_ago: int) -> int:
    started = now_utc() - timedelta(minutes=minutes_ago)
    ended = None if status == "INICIADA" else started + timedelta(seconds=30)
    with database.session() as session:
        run = Sincronizacao(
            origem=origem,
            tipo=tipo,
            escopo=escopo,
            status=status,
            iniciada_em=started,
            concluida_em=ended,
            heartbeat_em=ended or started,
            mensagem_erro="upstream 503" if status == "ERRO" else None,
        )
        session.add(run)
        session.flush()
        return run.id


def test_history_lists_both_upstreams_newest_first_with_filters(
    api: Any, database: Database, sync: Callable[..., Any]
) -> None:
    old_uasg = add_run(database, "COMPRASNET", "UASG", "153080", "CONCLUIDA", minutes_ago=120)
    failed = add_run(database, "COMPRASNET", "UASG", "153080", "ERRO", minutes_ago=60)
    result = sync("FULL")  # a real run, recorded by the sync itself

    body = api.get(f"{API}/sync/history").json()
    assert set(body) == {"items", "total", "page", "page_size"} and body["total"] == 3
    assert [i["id"] for i in body["items"]][1:] == [failed, old_uasg]
    newest = body["items"][0]
    assert newest["origem"] == "ACESSORIAS" and newest["tipo"] == "FULL" and newest["status"] == "CONCLUIDA"
    assert (
        newest["total_processos"] == result.total_processos and newest["api_calls"] == result.api_calls
    )
    assert body["items"][1]["mensagem_erro"] == "upstream 503"

    assert [
        i["id"] for i in api.get(f"{API}/sync/history", params={"origem": "COMPRASNET"}).json()["items"]
    ] == [
        failed,
        old_uasg,
    ]
    assert [i["id"] for i in api.get(f"{API}/sync/history", params={"status": "ERRO"}).json()["items"]] == [
        failed
    ]
    assert api.get(f"{API}/sync/history", params={"tipo": "full"}).json()["total"] == 1
    page2 = api.get(f"{API}/sync/history", params={"page": 2, "page_size": 2}).json()
    assert page2["total"] == 3 and [i["id"] for i in page2["items"]] == [old_uasg]


def test_status_shows_running_runs_and_the_last_run_per_origem_and_escopo(
    api: Any, database: Database
) -> None:
    add_run(database, "ACESSORIAS", "FULL", "acessorias", "CONCLUIDA", minutes_ago=90)
    last_acessorias = add_run(database, "ACESSORIAS", "INCREMENTAL", "acessorias", "ERRO", minutes_ago=30)
    running = add_run(database, "ACESSORIAS", "INCREMENTAL", "acessorias", "INICIADA", minutes_ago=1)
    add_run(database, "COMPRASNET", "UASG", "153080", "ERRO", minutes_ago=50)
    last_uasg = add_run(database, "COMPRASNET", "UASG", "153080", "CONCLUIDA", minutes_ago=40)
    other_uasg = add_run(database, "COMPRASNET", "UASG", "200999", "CONCLUIDA", minutes_ago=45)

    status = api.get(f"{API}/sync/status").json()
    assert [r["id"] for r in status["em_andamento"]] == [running]
    assert [r["id"] for r in status["ultimas"]] == [last_acessorias, last_uasg, other_uasg]
    only = api.get(f"{API}/sync/status", params={"origem": "COMPRASNET"}).json()
    assert only["em_andamento"] == [] and [r["id"] for r in only["ultimas"]] == [last_uasg, other_uasg]


def test_status_shows_how_long_each_running_run_has_been_silent(api: Any, database: Database) -> None:
    """A stopped or hung process keeps its scope: /sync/status says how long its run's heartbeat has been
    silent (for a queued run, no heartbeat yet, how long it has waited)."""
    with time_machine.travel(now_utc(), tick=False) as clock:
        working = add_run(database, "COMPRASNET", "UASG", "uasg:153080", "INICIADA", minutes_ago=3)
        queued = runs.start_run(database, origem="ACESSORIAS", tipo="FULL", escopo="acessorias", queued=True)
        add_run(database, "ACESSORIAS", "FULL", "acessorias", "CONCLUIDA", minutes_ago=90)
        clock.shift(42)
        status = api.get(f"{API}/sync/status").json()
    silence = {r["id"]: (r["heartbeat_em"] is None, r["silencio_s"]) for r in status["em_andamento"]}
    assert silence == {working: (False, 222.0), queued: (True, 42.0)}
    assert [r["silencio_s"] for r in status["ultimas"]] == [None]
    assert api.get(f"{API}/sync/history").json()["items"][0]["silencio_s"] is None


@pytest.mark.parametrize(("change", "expected"), [
    ({"acessorias_base_url": "http://127.0.0.1:9/acessorias", "acessorias_max_attempts": 1},
     "A Acessórias não respondeu"),
    ({"acessorias_token": SecretStr("a-token-the-office-revoked")},
     "A Acessórias recusou o acesso (HTTP 401). Confira o token"),
])
def test_a_failed_run_says_what_happened_in_portuguese(
    change: dict[str, Any], expected: str, api: Any, database: Database, settings: Settings
) -> None:
    with pytest.raises(EspelhoError):
        run_sync(database, settings.model_copy(update=change), "FULL")
    run = api.get(f"{API}/sync/history").json()["items"][0]
    assert run["status"] == "ERRO" and run["mensagem_erro"]  # the technical text stays, for "detalhes"
    assert run["erro_explicado"].startswith(expected), run
    ultima = api.get(f"{API}/sync/status").json()["ultimas"][0]
    assert ultima["erro_explicado"] == run["erro_explicado"]


def test_a_run_without_error_explains_nothing(api: Any, database: Database) -> None:
    add_run(database, "ACESSORIAS", "FULL", "acessorias", "CONCLUIDA", minutes_ago=5)
    assert api.get(f"{API}/sync/history").json()["items"][0]["erro_explicado"] is None
