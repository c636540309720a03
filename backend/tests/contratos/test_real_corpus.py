"""Real Comprasnet answers (tests/fixtures/real/) synced through the CLI, against the simulator serving them
as received: every stored field equals the payload's, read independently here from the column types."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, Numeric, select
from typer.testing import Result

from espelho.contratos.models import Contrato, Empenho, HistoricoContrato
from espelho.db import Database
from tests.contratos.conftest import last_json
from tests.helpers import Sim

Cli = Callable[..., Result]
REAL = Path(__file__).parents[1] / "fixtures" / "real"
CORPUS = json.loads((REAL / "comprasnet_ufrpe_153165_2026-10-08.json").read_text("utf-8"))
UG = CORPUS["ug"]
# Every contract of the corpus is kept, whatever today is (one ended in 2017).
KEEP_ALL = {"ESPELHO_CONTRATOS_VIGENCIA_DIAS": "100000"}
# Columns that are not upstream fields, or are filled from nested objects (checked apart).
NOT_FROM_PAYLOAD = {"uasg_codigo", "raw_json", "listado_em", "sincronizado_em", "campos_invalidos",
                    "contrato_id", "historico_atualizado_em", "empenhos_atualizados_em",
                    "itens_atualizados_em", "arquivos_atualizados_em", "detalhes_atualizados_em"}
# contratos.criado_em is Espelho's own stamp; contrato_historico.criado_em is the upstream's.
OWN_STAMP = ("contratos", "criado_em")


def _expected(column: Any, value: Any) -> Any:
    """The payload value as the column should hold it (reference §2.4), derived from the column type."""
    if value is None or value == "":
        return None
    kind = column.type
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, DateTime) or column.name in ("criado_em", "alterado_em"):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(kind, Numeric):
        return Decimal(value.replace(".", "").replace(",", "."))
    if isinstance(kind, Boolean):
        return {"Sim": True, "Não": False}[value]
    if isinstance(kind, JSON):
        return value
    return value


def _compare(row: Any, payload: dict[str, Any], nested: dict[str, Any]) -> None:
    table = type(row).__table__
    flat = {**payload, **nested}
    checked = 0
    for column in table.columns:
        if column.name in NOT_FROM_PAYLOAD or column.name == "id" or (table.name, column.name) == OWN_STAMP:
            continue
        assert column.name in flat, f"{table.name}.{column.name} has no payload field"
        stored = getattr(row, column.name)
        if isinstance(stored, datetime) and stored.tzinfo is None:
            stored = stored.replace(tzinfo=_expected(column, flat[column.name]).tzinfo)
        assert stored == _expected(column, flat[column.name]), (table.name, row.id, column.name)
        checked += 1
    assert row.id == payload["id"] and row.raw_json == payload and not row.campos_invalidos
    assert checked > 20


def _contract_nested(payload: dict[str, Any]) -> dict[str, Any]:
    c = payload["contratante"]
    orgao, origem = c["orgao"], c["orgao_origem"]
    return {
        "fornecedor_tipo": payload["fornecedor"]["tipo"],
        "fornecedor_cnpj_cpf": payload["fornecedor"]["cnpj_cpf_idgener"],
        "fornecedor_nome": payload["fornecedor"]["nome"],
        "orgao_codigo": orgao["codigo"], "orgao_nome": orgao["nome"],
        "unidade_gestora_codigo": orgao["unidade_gestora"]["codigo"],
        "unidade_gestora_nome_resumido": orgao["unidade_gestora"]["nome_resumido"],
        "unidade_gestora_nome": orgao["unidade_gestora"]["nome"],
        "orgao_origem_codigo": origem["codigo"], "orgao_origem_nome": origem["nome"],
        "unidade_gestora_origem_codigo": origem["unidade_gestora_origem"]["codigo"],
        "unidade_gestora_origem_nome_resumido": origem["unidade_gestora_origem"]["nome_resumido"],
        "unidade_gestora_origem_nome": origem["unidade_gestora_origem"]["nome"],
    }


def _party(prefix: str, party: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}_tipo": party["tipo"], f"{prefix}_cnpj_cpf": party["cnpj_cpf_idgener"],
            f"{prefix}_nome": party["nome"]}


@pytest.fixture
def served(sim: Sim) -> None:
    sim.override_uasg(UG, CORPUS["lista"])
    sim.override_inativos(UG, CORPUS["lista_inativos"])
    for aba in ("historico", "empenhos"):
        for contrato_id, rows in CORPUS[aba].items():
            sim.override_aba(int(contrato_id), aba, rows)


def test_real_contracts_and_tabs_are_stored_field_for_field(
    served: None, cli: Cli, sim: Sim, database: Database
) -> None:
    stats = last_json(cli("sync-comprasnet", "--uasg", UG, "--inativos", "--json", env=KEEP_ALL))
    payloads = {p["id"]: p for p in CORPUS["lista"] + CORPUS["lista_inativos"]}
    assert stats["api_calls"] == 2 and stats["contratos_processados"] == len(payloads)
    assert stats["invalidos"] == 0 and stats["campos_invalidos"] == {}
    with database.session() as session:
        for contrato in session.scalars(select(Contrato)):
            _compare(contrato, payloads[contrato.id], _contract_nested(payloads[contrato.id]))
        assert session.get(Contrato, 71912).situacao == "Inativo"  # type: ignore[union-attr]

    # The tabs follow the real links, which name the production host: rebased onto the simulator.
    for contrato_id in CORPUS["historico"]:
        abas = "historico,empenhos" if contrato_id in CORPUS["empenhos"] else "historico"
        result = cli("sync-comprasnet", "--contrato", contrato_id, "--abas", abas, "--json")
        assert result.exit_code == 0, result.output
    with database.session() as session:
        for contrato_id, rows in CORPUS["historico"].items():
            stored = {h.id: h for h in session.scalars(
                select(HistoricoContrato).where(HistoricoContrato.contrato_id == int(contrato_id)))}
            assert set(stored) == {r["id"] for r in rows}
            for row in rows:
                _compare(stored[row["id"]], row, _party("fornecedor", row["fornecedor"]))
        for contrato_id, rows in CORPUS["empenhos"].items():
            stored_e = {e.id: e for e in session.scalars(
                select(Empenho).where(Empenho.contrato_id == int(contrato_id)))}
            assert set(stored_e) == {r["id"] for r in rows}
            for row in rows:
                _compare(stored_e[row["id"]], row, _party("credor", row["credor_obj"]))
    assert sim.calls("/contrato/id/") == 0


def test_the_real_malformed_date_costs_that_field_only(
    served: None, cli: Cli, sim: Sim, database: Database
) -> None:
    """Reference §2.6: a live contract carries "data_assinatura": "20224-08-12"."""
    real = CORPUS["lista"][1]
    broken = {**real, "data_assinatura": "20224-08-12"}
    sim.override_uasg(UG, [CORPUS["lista"][0], broken, CORPUS["lista"][2]])
    stats = last_json(cli("sync-comprasnet", "--uasg", UG, "--json", env=KEEP_ALL))
    assert stats["api_calls"] == 1 and stats["contratos_processados"] == 3 and stats["invalidos"] == 0
    assert stats["campos_invalidos"] == {"data_assinatura": 1}
    assert stats["contratos_com_campos_invalidos"] == 1
    with database.session() as session:
        stored = session.get(Contrato, real["id"])
        assert stored is not None and stored.data_assinatura is None
        assert stored.campos_invalidos == ["data_assinatura"] and stored.raw_json == broken
        nested = _contract_nested(real)
        for column in Contrato.__table__.columns:
            if column.name in NOT_FROM_PAYLOAD or column.name in ("id", "data_assinatura", "criado_em"):
                continue
            expected = _expected(column, {**real, **nested}[column.name])
            assert getattr(stored, column.name) == expected, column.name
