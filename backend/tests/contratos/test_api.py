"""Read endpoints of /api/contratos: envelope, filters, vigência lists, pagination, trailing slashes."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from espelho.clock import today_sao_paulo
from espelho.config import Settings
from espelho.contratos.models import Contrato
from espelho.db import Database
from espelho.simulator.comprasnet import DEMO_UASG
from tests.helpers import Sim


def _all(api: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = api.get(path, params={"page_size": 500, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_list_envelope_pagination_and_slashes(api: TestClient, sim: Sim, synced_demo: dict[str, Any]) -> None:
    total = synced_demo["contratos_processados"]
    body = _all(api, "/api/contratos/")
    assert set(body) == {"items", "total", "page", "page_size"} and body["total"] == total
    assert len(body["items"]) == total and len({i["id"] for i in body["items"]}) == total
    item = body["items"][0]
    for key in (
        "id",
        "numero",
        "uasg",
        "tipo",
        "fornecedor_nome",
        "objeto",
        "vigencia_fim",
        "valor_global",
        "dias_para_vencer",
        "vigente",
    ):
        assert key in item
    assert item["uasg"] == DEMO_UASG

    page2 = api.get("/api/contratos", params={"page": 2, "page_size": 7}).json()
    assert page2["page"] == 2 and page2["page_size"] == 7 and page2["total"] == total
    assert [i["id"] for i in page2["items"]] == [i["id"] for i in body["items"][7:14]]
    assert api.get("/api/contratos/", params={"page_size": 501}).status_code == 422
    assert api.get("/api/contratos/", params={"page_size": 0}).status_code == 422
    assert api.get("/api/contratos/", params={"page": 0}).status_code == 422
    assert api.get("/api/contratos/", params={"page_size": 500}).status_code == 200
    assert sim.stats()["requests"] == 0


def test_filters(api: TestClient, synced_demo: dict[str, Any], database: Database) -> None:
    with database.session() as session:
        contratos = list(session.scalars(select(Contrato)))
    empenhos = [c for c in contratos if c.tipo == "Empenho"]
    assert _all(api, "/api/contratos/", tipo="Empenho")["total"] == len(empenhos)
    by_tipo = {t: len([c for c in contratos if c.tipo == t]) for t in ("Contrato", "Credenciamento")}
    assert all(by_tipo.values())  # the demo holds the real types, not only Contrato and Empenho
    assert _all(api, "/api/contratos/", tipo="contrato")["total"] == by_tipo["Contrato"]
    assert _all(api, "/api/contratos/", tipo="Credenciamento")["total"] == by_tipo["Credenciamento"]
    assert _all(api, "/api/contratos/", uasg=DEMO_UASG)["total"] == len(contratos)
    assert _all(api, "/api/contratos/", uasg="999999")["total"] == 0

    sample = contratos[0]
    found = _all(api, "/api/contratos/", q=sample.numero)["items"]
    assert sample.id in {i["id"] for i in found}
    by_doc = _all(
        api, "/api/contratos/", q="".join(ch for ch in sample.fornecedor_cnpj_cpf or "" if ch.isdigit())
    )
    assert sample.id in {i["id"] for i in by_doc["items"]}
    word = (sample.objeto or "").split()[-1].lower()
    assert all(
        word in (i["objeto"] or "").lower()
        or word in (i["fornecedor_nome"] or "").lower()
        or word in (i["processo"] or "").lower()
        or word in (i["numero"] or "").lower()
        for i in _all(api, "/api/contratos/", q=word)["items"]
    )


def test_ordering_by_column_nulls_last(
    api: TestClient, synced_demo: dict[str, Any], database: Database
) -> None:
    """`ordering` sorts every list by a column, either way; a contract without the value comes last."""
    with database.session() as session:
        contratos = list(session.scalars(select(Contrato)))
    for field in ("valor_global", "vigencia_fim"):
        for desc in (False, True):
            items = _all(api, "/api/contratos/", ordering=f"-{field}" if desc else field)["items"]
            assert len(items) == len(contratos)
            values = [i[field] for i in items]
            known = [v for v in values if v is not None]
            assert values[:len(known)] == known, f"{field}: the contracts without it come last"
            numbers = [float(v) if field == "valor_global" else date.fromisoformat(v) for v in known]
            assert numbers == sorted(numbers, reverse=desc) and numbers[0] != numbers[-1]
    # Fornecedores by pt-BR collation (case and accents ignored first), the same on both databases.
    vencidos = _all(api, "/api/contratos/vencidos/", ordering="fornecedor")["items"]
    nomes = [i["fornecedor_nome"] for i in vencidos]
    initials = [unicodedata.normalize("NFKD", n)[:1].casefold() for n in nomes if n]
    assert len(set(initials)) > 1 and initials == sorted(initials)
    assert api.get("/api/contratos/", params={"ordering": "salario"}).status_code == 422


def test_search_wildcards_are_literal(
    api: TestClient, synced_demo: dict[str, Any], database: Database
) -> None:
    """`q=%` used to match every contract: the LIKE wildcards a user types match themselves."""
    with database.session() as session:
        contratos = list(session.scalars(select(Contrato)))
    assert len(contratos) > 2
    for wildcard in ("%", "_", "\\", "%%"):
        expected = {
            c.id for c in contratos
            if any(wildcard in (v or "") for v in (c.numero, c.objeto, c.fornecedor_nome,
                                                   c.fornecedor_cnpj_cpf, c.processo, c.licitacao_numero))
        }
        assert {i["id"] for i in _all(api, "/api/contratos/", q=wildcard)["items"]} == expected, wildcard
    assert _all(api, "/api/contratos/", q="%")["total"] < len(contratos)


def test_vigencia_lists_follow_the_dates(
    api: TestClient, synced_demo: dict[str, Any], database: Database
) -> None:
    today = today_sao_paulo()
    with database.session() as session:
        fims: dict[int, date | None] = dict(session.execute(select(Contrato.id, Contrato.vigencia_fim)).all())
    vencidos = {i for i, f in fims.items() if f is not None and f < today}
    ativos = {i for i, f in fims.items() if f is None or f >= today}
    proximos = {i for i, f in fims.items() if f is not None and today <= f <= today + timedelta(days=30)}
    proximos_90 = {i for i, f in fims.items() if f is not None and today <= f <= today + timedelta(days=90)}
    assert vencidos and ativos  # the demo UASG has both

    assert {i["id"] for i in _all(api, "/api/contratos/vencidos/")["items"]} == vencidos
    assert {i["id"] for i in _all(api, "/api/contratos/vencidos")["items"]} == vencidos
    assert {i["id"] for i in _all(api, "/api/contratos/ativos/")["items"]} == ativos
    assert {i["id"] for i in _all(api, "/api/contratos/proximos_vencer/")["items"]} == proximos
    assert {i["id"] for i in _all(api, "/api/contratos/proximos_vencer/", dias=90)["items"]} == proximos_90
    assert {i["id"] for i in _all(api, "/api/contratos/", vigencia="vencidos")["items"]} == vencidos
    assert {i["id"] for i in _all(api, "/api/contratos/", vigencia="ativos")["items"]} == ativos
    assert api.get("/api/contratos/", params={"vigencia": "todos"}).status_code == 422
    for item in _all(api, "/api/contratos/vencidos/")["items"]:
        assert item["vigente"] is False and item["dias_para_vencer"] < 0


def test_detail_shape(api: TestClient, synced_demo: dict[str, Any]) -> None:
    item = _all(api, "/api/contratos/")["items"][0]
    detail = api.get(f"/api/contratos/{item['id']}/").json()
    assert detail["id"] == item["id"] and detail["numero"] == item["numero"]
    for key in (
        "historico_atualizado_em",
        "empenhos_atualizados_em",
        "itens_atualizados_em",
        "arquivos_atualizados_em",
        "detalhes_atualizados_em",
    ):
        assert key in detail and detail[key] is None
    for key in ("historico_atualizado", "empenhos_atualizados", "itens_atualizados", "arquivos_atualizados"):
        assert detail[key] is False
    assert detail["totais"] == {"historico": 0, "empenhos": 0, "itens": 0, "arquivos": 0}
    assert detail["raw_json"]["id"] == item["id"] and len(detail["links"]) == 12
    for money in ("valor_inicial", "valor_global", "valor_parcela", "valor_acumulado"):
        assert detail[money] is None or ("," not in detail[money] and float(detail[money]) >= 0)


def test_uasgs_endpoint(api: TestClient, synced_demo: dict[str, Any]) -> None:
    uasgs = api.get("/api/contratos/uasgs").json()
    assert all(u["escopo"] == f"uasg:{u['codigo']}" for u in uasgs)  # as /sync/status names its runs
    assert [(u["codigo"], u["contratos"]) for u in uasgs] == [
        (DEMO_UASG, synced_demo["contratos_processados"])
    ]


def test_rules_the_web_app_reads(api: TestClient, settings: Settings) -> None:
    body = api.get("/api/v1/regras").json()
    assert body["contratos_proximos_vencer_dias"] == settings.contratos_proximos_vencer_dias
    assert [a["aba"] for a in body["contrato_abas"]] == ["historico", "empenhos", "itens", "arquivos"]
    assert body["contrato_abas"][0] == {"aba": "historico", "label": "Histórico",
                                        "atualizado_em": "historico_atualizado_em"}
    assert "Concluído" in body["processo_status"] and "Em andamento" in body["processo_status"]
