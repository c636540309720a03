"""Fields the real Acessórias sends that used to live only in raw_json: a company's own obligation counters
(Obrigacoes[]) and a delivery's responsável de prazo (Config.RespPrazo), stored, served and hashed right."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from espelho.acessorias import upstream
from espelho.acessorias.brutos import Brutos
from espelho.acessorias.models import Empresa, Obrigacao
from espelho.clock import now_utc
from espelho.db import Database
from tests.acessorias_api.test_read_api import all_items, load

KEYS = {"Entregues": "obrigacoes_entregues", "Atrasadas": "obrigacoes_atrasadas",
        "Proximos30D": "obrigacoes_proximos_30d", "Futuras30+": "obrigacoes_futuras_30"}


def test_company_counters_and_resp_prazo_are_stored_and_served(
    api: Any, database: Database, sync: Callable[..., Any]
) -> None:
    sync("FULL")
    empresas = load(database, Empresa)
    with database.session() as session:
        unpack = Brutos.carregar(session).unpack
    complete = [e for e in empresas if e.completa]
    assert complete
    for empresa in complete:
        obrigacoes = (unpack(empresa.raw_json) or {})["Obrigacoes"]
        for key, column in KEYS.items():
            assert getattr(empresa, column) == sum(int(o[key]) for o in obrigacoes), (empresa.codigo, key)
    assert any(e.obrigacoes_atrasadas for e in complete) and any(e.obrigacoes_entregues for e in complete)
    served = {i["id"]: i for i in all_items(api, "/empresas")["items"]}
    for empresa in complete:
        for column in KEYS.values():
            assert served[empresa.id][column] == getattr(empresa, column)

    obrigacoes = load(database, Obrigacao)
    configs = {o.id: (unpack(o.raw_json) or {}).get("Config") for o in obrigacoes}
    with_config = [o for o in obrigacoes if configs[o.id]]
    assert with_config
    assert all(o.responsavel_prazo == configs[o.id]["RespPrazo"] for o in with_config)
    body = all_items(api, "/obrigacoes")
    by_id = {o.id: o for o in obrigacoes}
    assert all(i["responsavel_prazo"] == by_id[i["id"]].responsavel_prazo for i in body["items"])


def _company(**extra: Any) -> dict[str, Any]:
    return {"ID": "412", "Identificador": "12.345.678/0001-90", "Razao": "PADARIA BOA MASSA LTDA",
            "Status": "Ativa", "UF": "SP", "ClienteDesde": "2021-03-01", "ClienteAte": "0000-00-00", **extra}


def _row(raw: dict[str, Any]) -> dict[str, Any]:
    return upstream.empresa_row(upstream.UpstreamCompany.model_validate(raw), raw, now_utc())


def test_company_hash_is_of_the_mirrored_fields_not_of_the_payload() -> None:
    das = {"Nome": "DAS", "Status": "Ativa", "Entregues": "38", "Atrasadas": "0", "Proximos30D": "1",
           "Futuras30+": "11"}
    reinf = {"Nome": "EFD-REINF", "Status": "Ativa", "Entregues": "4", "Atrasadas": "1", "Proximos30D": "0",
             "Futuras30+": "2"}
    base = _row(_company(Obrigacoes=[das, reinf], Telefone="1133334444"))
    # Keys nobody mirrors, and counters moving between obligations with the same totals: same hash.
    moved = [{**das, "Proximos30D": "0", "Futuras30+": "12"},
             {**reinf, "Proximos30D": "1", "Futuras30+": "1"}]
    assert _row(_company(Obrigacoes=moved, Telefone="1199990000", Honorario="900.00"))["hash_snapshot"] \
        == base["hash_snapshot"]
    # A mirrored field (a counter total, the name) changes it.
    late = [{**das, "Atrasadas": "1"}, reinf]
    assert _row(_company(Obrigacoes=late, Telefone="1133334444"))["hash_snapshot"] != base["hash_snapshot"]
    assert _row(_company(Obrigacoes=[das, reinf], Razao="OUTRA"))["hash_snapshot"] != base["hash_snapshot"]
    # Without Obrigacoes[] the counters are unknown (null), not zero; a garbled counter counts as nothing.
    assert _row(_company())["obrigacoes_atrasadas"] is None
    assert _row(_company(Obrigacoes=[{**das, "Entregues": "x"}]))["obrigacoes_entregues"] == 0
