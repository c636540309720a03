"""Tabs on demand through the HTTP API: stored link, 404 fallback, [] , upstream failures, freshness."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import Result

from espelho.clock import SAO_PAULO
from espelho.config import Settings
from espelho.contratos.client import ComprasnetClient, LinkGone
from espelho.contratos.models import Contrato
from espelho.contratos.sync import run_contrato_sync
from espelho.db import Database
from espelho.errors import UpstreamUnavailable
from tests.conftest import on_month_days
from tests.contratos.conftest import last_json
from tests.helpers import Sim, free_port

ABAS = ("historico", "empenhos", "itens", "arquivos")


def _contract_with_rows(sim: Sim, database: Database, aba: str) -> int:
    """A stored contract whose tab `aba` has rows upstream."""
    with database.session() as session:
        ids = list(
            session.scalars(select(Contrato.id).where(Contrato.tipo == "Contrato").order_by(Contrato.id))
        )
    for contrato_id in ids:
        if sim.aba(contrato_id, aba):
            return contrato_id
    raise AssertionError(f"no demo contract with {aba} rows")


def _stored(api: TestClient, aba: str, contrato_id: int) -> dict[str, Any]:
    response = api.get(f"/api/contratos/{aba}/", params={"contrato": contrato_id, "page_size": 500})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("aba", ABAS)
def test_tab_sync_follows_the_stored_link_and_serves_from_the_database(
    aba: str, api: TestClient, sim: Sim, database: Database, synced_demo: dict[str, Any]
) -> None:
    contrato_id = _contract_with_rows(sim, database, aba)
    upstream_rows = sim.aba(contrato_id, aba)
    sim.reset()

    response = api.post(f"/api/contratos/{contrato_id}/sincronizar/{aba}/", params={"page_size": 500})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["aba"] == aba and body["contrato_id"] == contrato_id and body["atualizado_em"]
    assert body["total"] == len(upstream_rows) and {r["id"] for r in body["items"]} == {
        r["id"] for r in upstream_rows
    }
    assert body["api_calls"] == 1
    assert sim.stats()["requests"] == 1 and sim.calls(f"/contrato/{contrato_id}/{aba}") == 1
    assert sim.calls("/contrato/id/") == 0  # the stored link was enough

    sim.reset()
    stored = _stored(api, aba, contrato_id)
    assert stored["total"] == len(upstream_rows) and stored["items"] == body["items"]
    assert sim.stats()["requests"] == 0  # reads never touch the upstream

    detail = api.get(f"/api/contratos/{contrato_id}").json()
    flag = "historico_atualizado" if aba == "historico" else f"{aba}_atualizados"
    field = "historico_atualizado_em" if aba == "historico" else f"{aba}_atualizados_em"
    assert detail[flag] is True and detail[field] == body["atualizado_em"]
    assert detail["totais"][aba] == len(upstream_rows)
    assert detail["detalhes_atualizados_em"] is None  # not all four loaded yet


def test_money_and_quantities_are_plain_decimals(
    api: TestClient, sim: Sim, database: Database, synced_demo: dict[str, Any]
) -> None:
    contrato_id = _contract_with_rows(sim, database, "itens")
    upstream = {r["id"]: r for r in sim.aba(contrato_id, "itens")}
    body = api.post(f"/api/contratos/{contrato_id}/sincronizar/itens").json()
    for item in body["items"]:
        raw = upstream[item["id"]]
        expected_total = raw["valortotal"].replace(".", "").replace(",", ".")
        assert item["valortotal"] == expected_total and "," not in item["valorunitario"]
        assert float(item["quantidade"]) == float(raw["quantidade"].replace(",", "."))
    detail = api.get(f"/api/contratos/{contrato_id}/").json()
    assert "," not in detail["valor_global"] and float(detail["valor_global"]) > 0


@on_month_days
def test_all_four_tabs_stamp_detalhes(
    frozen_day: date, api: TestClient, sim: Sim, database: Database, synced_demo: dict[str, Any]
) -> None:
    contrato_id = _contract_with_rows(sim, database, "historico")
    response = api.post(
        f"/api/contratos/{contrato_id}/sincronizar/", json={"data_types": ["historico", "itens"]}
    )
    assert response.status_code == 200, response.text
    assert set(response.json()["abas"]) == {"historico", "itens"}
    assert api.get(f"/api/contratos/{contrato_id}").json()["detalhes_atualizados_em"] is None

    sim.reset()
    response = api.post(f"/api/contratos/{contrato_id}/sincronizar")  # no body: all four
    body = response.json()
    assert response.status_code == 200 and set(body["abas"]) == set(ABAS) and body["api_calls"] == 4
    assert sim.stats()["requests"] == 4
    detail = api.get(f"/api/contratos/{contrato_id}").json()
    assert all(
        detail[f]
        for f in ("historico_atualizado", "empenhos_atualizados", "itens_atualizados", "arquivos_atualizados")
    )
    stamped = datetime.fromisoformat(detail["detalhes_atualizados_em"].replace("Z", "+00:00"))
    assert stamped.astimezone(SAO_PAULO).date() == frozen_day
    assert stamped == datetime.fromisoformat(body["detalhes_atualizados_em"])
    assert stamped == max(datetime.fromisoformat(a["atualizado_em"]) for a in body["abas"].values())


def test_empty_upstream_tab_is_a_success_with_zero_rows(
    api: TestClient, sim: Sim, database: Database, synced_demo: dict[str, Any]
) -> None:
    contrato_id = _contract_with_rows(sim, database, "empenhos")
    first = api.post(f"/api/contratos/{contrato_id}/sincronizar/empenhos").json()
    assert first["total"] > 0
    sim.override_aba(contrato_id, "empenhos", [])
    response = api.post(f"/api/contratos/{contrato_id}/sincronizar/empenhos/")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 0 and body["items"] == [] and body["atualizado_em"] > first["atualizado_em"]
    assert _stored(api, "empenhos", contrato_id)["total"] == 0  # the complete answer replaced the tab
    assert api.get(f"/api/contratos/{contrato_id}").json()["empenhos_atualizados"] is True


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        ({"status": 500}, 503),
        ({"status": 503}, 503),
        ({"timeout_s": 6.0}, 504),
        ({"drop": True}, 503),
        ({"status": 429, "retry_after": 0}, 503),
        ({"status": 400}, 502),
    ],
    ids=["http500", "http503", "timeout", "dropped", "throttled", "rejected"],
)
def test_upstream_failure_leaves_stored_rows_and_timestamp_as_they_were(
    fault: dict[str, Any],
    status: int,
    api: TestClient,
    sim: Sim,
    database: Database,
    synced_demo: dict[str, Any],
) -> None:
    contrato_id = _contract_with_rows(sim, database, "itens")
    first = api.post(f"/api/contratos/{contrato_id}/sincronizar/itens").json()
    before_rows = _stored(api, "itens", contrato_id)
    before_detail = api.get(f"/api/contratos/{contrato_id}").json()

    sim.override_aba(contrato_id, "itens", [])  # were the call to succeed, the tab would change
    sim.fault(f"/contrato/{contrato_id}/itens", times=None, **fault)
    response = api.post(f"/api/contratos/{contrato_id}/sincronizar/itens/")
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail"} and body["detail"]["upstream"] == "comprasnet"
    assert _stored(api, "itens", contrato_id) == before_rows
    after_detail = api.get(f"/api/contratos/{contrato_id}").json()
    assert (
        after_detail["itens_atualizados_em"]
        == before_detail["itens_atualizados_em"]
        == first["atualizado_em"]
    )


def test_connection_refused(
    api: TestClient, sim: Sim, database: Database, settings: Settings, synced_demo: dict[str, Any]
) -> None:
    contrato_id = _contract_with_rows(sim, database, "arquivos")
    first = api.post(f"/api/contratos/{contrato_id}/sincronizar/arquivos").json()
    dead = settings.model_copy(  # nothing listens there
        update={"comprasnet_base_url": f"http://127.0.0.1:{free_port()}/api", "comprasnet_max_attempts": 2})
    with pytest.raises(UpstreamUnavailable):
        run_contrato_sync(database, dead, contrato_id, ["arquivos"])
    stored = _stored(api, "arquivos", contrato_id)
    assert stored["total"] == first["total"]
    assert (
        api.get(f"/api/contratos/{contrato_id}").json()["arquivos_atualizados_em"] == first["atualizado_em"]
    )


PRODUCTION = "https://contratos.comprasnet.gov.br/api"


def test_links_naming_the_production_host_go_to_the_configured_base_url(
    api: TestClient, sim: Sim, database: Database, synced_demo: dict[str, Any]
) -> None:
    """Real payloads carry absolute links to production; with the base URL on loopback (the simulator),
    every tab request still goes to the configured base URL, path and query kept."""
    contrato_id = _contract_with_rows(sim, database, "historico")
    with database.session() as session:
        contrato = session.get(Contrato, contrato_id)
        assert contrato is not None
        contrato.links = {aba: f"{PRODUCTION}/contrato/{contrato_id}/{aba}" for aba in ABAS}
    upstream = {aba: len(sim.aba(contrato_id, aba)) for aba in ABAS}
    sim.reset()
    for aba in ABAS:
        response = api.post(f"/api/contratos/{contrato_id}/sincronizar/{aba}/", params={"page_size": 500})
        assert response.status_code == 200, response.text
        assert response.json()["total"] == upstream[aba]
        assert sim.calls(f"/contrato/{contrato_id}/{aba}") == 1
    assert sim.calls("/contrato/id/") == 0  # followed (rebased), not refreshed
    assert sim.stats()["requests"] == len(ABAS)


def test_rebase_keeps_the_path_after_the_api_root_and_never_leaves_the_configured_host(
    settings: Settings,
) -> None:
    client = ComprasnetClient(settings.model_copy(update={"comprasnet_base_url": "http://proxy.local:8080/cn/api/"}))
    try:
        assert client.rebase(f"{PRODUCTION}/contrato/7/historico") == "http://proxy.local:8080/cn/api/contrato/7/historico"
        assert client.rebase("http://other/x/api/contrato/7/itens?a=1") == "http://proxy.local:8080/cn/api/contrato/7/itens?a=1"
        assert client.rebase("http://proxy.local:8080/cn/api/contrato/7/arquivos") == (
            "http://proxy.local:8080/cn/api/contrato/7/arquivos")
        with pytest.raises(LinkGone):
            client.rebase("https://evil.example/contrato/7/historico")  # no API root: not followed
    finally:
        client.close()


def test_throttling_then_success_is_retried(
    api: TestClient, sim: Sim, database: Database, synced_demo: dict[str, Any]
) -> None:
    contrato_id = _contract_with_rows(sim, database, "historico")
    sim.fault(f"/contrato/{contrato_id}/historico", status=429, retry_after=0, times=1)
    response = api.post(f"/api/contratos/{contrato_id}/sincronizar/historico")
    assert response.status_code == 200 and response.json()["api_calls"] == 2


def test_404_on_the_stored_link_refreshes_the_contract_for_a_fresh_link(
    api: TestClient, sim: Sim, database: Database, synced_demo: dict[str, Any]
) -> None:
    contrato_id = _contract_with_rows(sim, database, "historico")
    stale = f"{sim.api_url}/contrato/{contrato_id}/historico-antigo"  # the simulator answers 404 there
    with database.session() as session:
        session.execute(update(Contrato).where(Contrato.id == contrato_id).values(links={"historico": stale}))
    sim.reset()
    response = api.post(f"/api/contratos/{contrato_id}/sincronizar/historico")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(sim.aba(contrato_id, "historico"))
    assert body["api_calls"] == 3  # stale link (404), /contrato/id/{id}, fresh link
    assert sim.calls(f"/contrato/id/{contrato_id}") == 1 and sim.calls("historico-antigo") == 1
    with database.session() as session:
        contrato = session.get(Contrato, contrato_id)
        assert (
            contrato is not None
            and contrato.links
            and contrato.links["historico"].endswith(f"/contrato/{contrato_id}/historico")
            and len(contrato.links) == 12
        )


def test_404_then_unknown_upstream_contract_is_an_upstream_error(
    api: TestClient, sim: Sim, database: Database, synced_demo: dict[str, Any]
) -> None:
    contrato_id = _contract_with_rows(sim, database, "itens")
    sim.fault(f"/contrato/{contrato_id}/itens", status=404, times=None)
    response = api.post(f"/api/contratos/{contrato_id}/sincronizar/itens")
    assert response.status_code == 502 and response.json()["error"] == "upstream_rejected"
    assert sim.calls(f"/contrato/id/{contrato_id}") == 1
    assert api.get(f"/api/contratos/{contrato_id}").json()["itens_atualizados"] is False


def test_unknown_tab_and_unknown_contract(api: TestClient, sim: Sim, synced_demo: dict[str, Any]) -> None:
    any_id = api.get("/api/contratos/", params={"page_size": 1}).json()["items"][0]["id"]
    assert api.post(f"/api/contratos/{any_id}/sincronizar/faturas").status_code == 422
    assert (
        api.post(f"/api/contratos/{any_id}/sincronizar", json={"data_types": ["faturas"]}).status_code == 422
    )
    unknown = 999_999_999
    for response in (
        api.post(f"/api/contratos/{unknown}/sincronizar/historico"),
        api.post(f"/api/contratos/{unknown}/sincronizar", json={}),
        api.get(f"/api/contratos/{unknown}"),
        api.get("/api/contratos/itens/", params={"contrato": unknown}),
    ):
        assert response.status_code == 404 and set(response.json()) == {"error", "detail"}
    assert api.get("/api/contratos/abc/").status_code == 422
    assert api.get(f"/api/contratos/{2**64}").status_code == 422
    assert api.get("/api/contratos/itens/", params={"contrato": 2**64}).status_code == 422
    assert sim.stats()["requests"] == 0


def test_partial_failure_of_several_tabs(
    api: TestClient, sim: Sim, database: Database, synced_demo: dict[str, Any]
) -> None:
    contrato_id = _contract_with_rows(sim, database, "historico")
    sim.fault(f"/contrato/{contrato_id}/empenhos", status=500, times=None)
    response = api.post(
        f"/api/contratos/{contrato_id}/sincronizar/", json={"data_types": ["historico", "empenhos"]}
    )
    assert response.status_code == 200
    abas = response.json()["abas"]
    assert abas["historico"]["status"] == "ok" and abas["empenhos"]["status"] == "erro"
    detail = api.get(f"/api/contratos/{contrato_id}").json()
    assert detail["historico_atualizado"] is True and detail["empenhos_atualizados"] is False

    sim.fault(f"/contrato/{contrato_id}/", status=503, times=None)  # now everything fails
    response = api.post(f"/api/contratos/{contrato_id}/sincronizar/", json={"data_types": ["itens"]})
    assert response.status_code == 503


def test_tab_sync_logs_contract_tab_rows_calls_and_ms(
    api: TestClient,
    sim: Sim,
    database: Database,
    synced_demo: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    contrato_id = _contract_with_rows(sim, database, "arquivos")
    capsys.readouterr()
    body = api.post(f"/api/contratos/{contrato_id}/sincronizar/arquivos").json()
    logged = [line for line in capsys.readouterr().err.splitlines() if "contratos.aba_sincronizada" in line]
    assert len(logged) == 1
    line = logged[0]
    for piece in (f"contrato={contrato_id}", "aba=arquivos", f"rows={body['total']}", "api_calls=1", "ms="):
        assert piece in line


def test_cli_syncs_a_contracts_tabs(
    cli: Callable[..., Result], sim: Sim, database: Database, synced_demo: dict[str, Any]
) -> None:
    contrato_id = _contract_with_rows(sim, database, "historico")
    result = cli("sync-comprasnet", "--contrato", str(contrato_id), "--abas", "historico,empenhos", "--json")
    assert result.exit_code == 0, result.output
    stats = last_json(result)
    assert stats["historicos"] == len(sim.aba(contrato_id, "historico"))
    assert stats["empenhos"] == len(sim.aba(contrato_id, "empenhos")) and stats["itens"] == 0
    assert stats["api_calls"] == 2 and set(stats["abas"]) == {"historico", "empenhos"}

    sim.fault(f"/contrato/{contrato_id}/", status=500, times=None)
    failed = cli("sync-comprasnet", "--contrato", str(contrato_id), "--json")
    assert failed.exit_code == 1 and last_json(failed)["status"] == "ERRO"
    assert cli("sync-comprasnet", "--contrato", "999999999").exit_code == 2


def test_sync_routes_need_the_sync_role_reads_do_not(
    api: TestClient, sim: Sim, database: Database, synced_demo: dict[str, Any]
) -> None:
    from tests.helpers import client_as

    contrato_id = _contract_with_rows(sim, database, "itens")
    sim.reset()
    user = client_as(api, "USER")
    manager = client_as(api, "MANAGER")
    assert user.post(f"/api/contratos/{contrato_id}/sincronizar/itens").status_code == 403  # type: ignore[attr-defined]
    assert user.post(f"/api/contratos/{contrato_id}/sincronizar", json={}).status_code == 403  # type: ignore[attr-defined]
    assert sim.stats()["requests"] == 0
    assert user.get(f"/api/contratos/{contrato_id}").status_code == 200  # type: ignore[attr-defined]
    assert manager.post(f"/api/contratos/{contrato_id}/sincronizar/itens").status_code == 200  # type: ignore[attr-defined]
