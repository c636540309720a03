"""Base sync of a UASG through the CLI: one call, vigência filter, idempotence, malformed records, errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from typer.testing import Result

from espelho.clock import today_sao_paulo
from espelho.config import Settings
from espelho.contratos.models import Contrato, HistoricoContrato, Uasg
from espelho.contratos.sync import run_uasg_sync
from espelho.db import Database
from espelho.simulator.comprasnet import (
    DEMO_UASG,
    QUIRK_DATA_MALFORMADA,
    QUIRK_FIM_99,
    QUIRK_FIM_100,
    QUIRK_FIM_101,
    QUIRK_LEGACY,
    QUIRK_MALFORMED,
    QUIRKS_UASG,
)
from espelho.syncs.models import Sincronizacao
from espelho.syncs.service import start_run
from tests.conftest import on_month_days
from tests.contratos.conftest import last_json
from tests.helpers import Sim

Cli = Callable[..., Result]


def _expected_kept(records: list[Any], today: date) -> set[int]:
    """The vigência rule, computed independently from the raw list."""
    kept = set()
    for record in records:
        fim = record.get("vigencia_fim")
        if fim is None or (today - date.fromisoformat(fim)).days <= 100:
            kept.add(record["id"])
    return kept


@on_month_days
def test_base_sync_makes_one_call_and_stores_the_kept_instruments(
    frozen_day: date, cli: Cli, sim: Sim, database: Database
) -> None:
    records = sim.lista(DEMO_UASG)
    sim.reset()
    result = cli("sync-comprasnet", "--uasg", DEMO_UASG, "--json")
    assert result.exit_code == 0, result.output
    stats = last_json(result)

    assert today_sao_paulo() == frozen_day
    expected = _expected_kept(records, frozen_day)
    assert 0 < len(expected) < len(records)  # the fixture really exercises the filter
    assert stats["api_calls"] == 1
    assert sim.stats()["requests"] == 1 and sim.calls(f"/contrato/ug/{DEMO_UASG}") == 1
    assert stats["contratos_processados"] == len(expected)
    assert stats["fora_da_vigencia"] == len(records) - len(expected)
    assert (stats["historicos"], stats["empenhos"], stats["itens"], stats["arquivos"]) == (0, 0, 0, 0)
    assert stats["duration_s"] >= 0

    with database.session() as session:
        stored = set(session.scalars(select(Contrato.id)))
        assert stored == expected
        assert session.scalar(select(func.count()).select_from(HistoricoContrato)) == 0
        uasg = session.get(Uasg, DEMO_UASG)
        assert uasg is not None and uasg.nome_resumido == "CENTRO-EX" and uasg.sincronizado_em is not None
        # Every instrument type is kept (Contrato and Empenho alike).
        tipos = set(session.scalars(select(Contrato.tipo).distinct()))
        assert {"Contrato", "Empenho"} <= tipos
        one = session.get(Contrato, next(iter(expected)))
        assert one is not None and one.raw_json["id"] == one.id and one.links and one.uasg_codigo == DEMO_UASG
        run = session.scalars(select(Sincronizacao)).one()
        assert (run.origem, run.tipo, run.escopo, run.status, run.api_calls) == (
            "COMPRASNET",
            "UASG",
            f"uasg:{DEMO_UASG}",
            "CONCLUIDA",
            1,
        )
        assert run.total_processos == len(expected)


def test_base_sync_is_idempotent_and_keeps_tab_freshness(cli: Cli, sim: Sim, database: Database) -> None:
    first = last_json(cli("sync-comprasnet", "--uasg", DEMO_UASG, "--json"))
    with database.session() as session:
        contrato = session.scalars(select(Contrato).where(Contrato.tipo == "Contrato").limit(1)).one()
        contrato_id = contrato.id
    assert cli("sync-comprasnet", "--contrato", str(contrato_id), "--abas", "historico").exit_code == 0
    with database.session() as session:
        before = {
            c.id: (c.valor_global, c.vigencia_fim, c.criado_em) for c in session.scalars(select(Contrato))
        }
        stamp = session.get(Contrato, contrato_id).historico_atualizado_em  # type: ignore[union-attr]
        historico_rows = session.scalar(select(func.count()).select_from(HistoricoContrato))

    second = last_json(cli("sync-comprasnet", "--uasg", DEMO_UASG, "--json"))
    assert second["contratos_processados"] == first["contratos_processados"]
    assert (
        second["contratos_novos"] == 0 and second["contratos_atualizados"] == first["contratos_processados"]
    )
    assert second["api_calls"] == 1
    with database.session() as session:
        after = {
            c.id: (c.valor_global, c.vigencia_fim, c.criado_em) for c in session.scalars(select(Contrato))
        }
        assert after == before
        assert session.get(Contrato, contrato_id).historico_atualizado_em == stamp  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(HistoricoContrato)) == historico_rows
        assert session.scalar(select(func.count()).select_from(Uasg)) == 1


def test_vigencia_boundary_malformed_records_and_legacy_keys(cli: Cli, sim: Sim, database: Database) -> None:
    result = cli("sync-comprasnet", "--uasg", QUIRKS_UASG, "--json")
    assert result.exit_code == 0, result.output
    stats = last_json(result)
    # Only records without a usable key are skipped, each reason counted: one is not an object, one has
    # an id that is not a number.
    assert stats["invalidos"] == 2
    assert stats["motivos_invalidos"] == {"nao_e_objeto": 1, "id_invalido": 1}
    assert {e["id"] for e in stats["erros"]} == {None, "sem-id"}
    # A malformed field costs that field only: stored as NULL, flagged, counted by field.
    records = {r["id"]: r for r in sim.lista(QUIRKS_UASG) if isinstance(r, dict)}
    bad_dates = [i for i, r in records.items() if len(r["data_assinatura"] or "") > 10]
    assert QUIRK_DATA_MALFORMADA in bad_dates
    assert stats["campos_invalidos"] == {"valor_global": 1, "data_assinatura": len(bad_dates)}
    assert stats["contratos_com_campos_invalidos"] == 1 + len(bad_dates)
    with database.session() as session:
        ids = set(session.scalars(select(Contrato.id)))
        assert QUIRK_FIM_99 in ids and QUIRK_FIM_100 in ids  # ended 100 days ago: kept
        assert QUIRK_FIM_101 not in ids  # 101 days ago: dropped
        malformed = session.get(Contrato, QUIRK_MALFORMED)
        assert malformed is not None and malformed.valor_global is None
        assert malformed.campos_invalidos == ["valor_global"]
        assert malformed.valor_inicial == Decimal(records[QUIRK_MALFORMED]["valor_inicial"]
                                                  .replace(".", "").replace(",", "."))
        dated = session.get(Contrato, QUIRK_DATA_MALFORMADA)
        assert dated is not None and dated.data_assinatura is None
        assert dated.campos_invalidos == ["data_assinatura"]
        assert dated.raw_json["data_assinatura"] == "20224-08-12"  # kept as received
        raw = records[QUIRK_DATA_MALFORMADA]
        # Everything else of it is stored: vigência, value, supplier.
        assert dated.vigencia_fim == date.fromisoformat(raw["vigencia_fim"])
        assert dated.vigencia_inicio == date.fromisoformat(raw["vigencia_inicio"])
        assert dated.fornecedor_nome == raw["fornecedor"]["nome"]
        assert str(dated.valor_global) == raw["valor_global"].replace(".", "").replace(",", ".")
        clean = session.get(Contrato, QUIRK_FIM_99)
        assert clean is not None and clean.campos_invalidos is None
        legacy = session.get(Contrato, QUIRK_LEGACY)
        assert legacy is not None and legacy.amparo_legal and legacy.valor_global == Decimal("500000.75")
        assert legacy.vigencia_fim is None and legacy.informacao_complementar is None
    assert stats["contratos_processados"] == len(ids)


def test_boundary_follows_the_setting_and_sao_paulo_today(
    sim: Sim, database: Database, settings: Settings
) -> None:
    today = today_sao_paulo()
    records = [
        {
            "id": 700 + days,
            "numero": f"{days:05d}/2025",
            "tipo": "Contrato",
            "vigencia_fim": (today - timedelta(days=days)).isoformat(),
        }
        for days in (9, 10, 11)
    ]
    sim.override_uasg("123456", records)
    stats = run_uasg_sync(database, settings.model_copy(update={"contratos_vigencia_dias": 10}), "123456")
    assert stats.contratos_processados == 2 and stats.fora_da_vigencia == 1
    with database.session() as session:
        assert set(session.scalars(select(Contrato.id))) == {709, 710}


def test_a_contract_that_leaves_the_list_is_kept(cli: Cli, sim: Sim, database: Database) -> None:
    records = [
        {"id": 1001, "numero": "00001/2025", "tipo": "Contrato", "vigencia_fim": None},
        {"id": 1002, "numero": "00002/2025", "tipo": "Contrato", "vigencia_fim": None},
    ]
    sim.override_uasg("654321", records)
    last_json(cli("sync-comprasnet", "--uasg", "654321", "--json"))
    with database.session() as session:
        first_seen = session.get(Contrato, 1002).listado_em  # type: ignore[union-attr]
    sim.override_uasg("654321", records[:1])
    stats = last_json(cli("sync-comprasnet", "--uasg", "654321", "--json"))
    assert stats["contratos_processados"] == 1
    with database.session() as session:
        gone = session.get(Contrato, 1002)
        assert gone is not None and gone.listado_em == first_seen  # still there; its stamp stopped moving
        assert session.get(Contrato, 1001).listado_em > first_seen  # type: ignore[union-attr]


def test_empty_list_is_a_success_with_zero_contracts(cli: Cli, sim: Sim, database: Database) -> None:
    stats = last_json(cli("sync-comprasnet", "--uasg", "000000", "--json"))
    assert stats["contratos_processados"] == 0 and stats["api_calls"] == 1


def test_bad_uasg_code_exits_2_without_any_call(cli: Cli, sim: Sim, database: Database) -> None:
    for code in ("12345", "abcdef", "1234567"):
        result = cli("sync-comprasnet", "--uasg", code)
        assert result.exit_code == 2
        assert "6 digits" in result.output
    result = cli("sync-comprasnet", "--uasg", "12a456", "--json")
    assert result.exit_code == 2 and last_json(result)["status"] == "ERRO"
    assert sim.stats()["requests"] == 0
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Sincronizacao)) == 0


def test_usage_errors_exit_2(cli: Cli, sim: Sim) -> None:
    assert cli("sync-comprasnet").exit_code == 2
    assert cli("sync-comprasnet", "--uasg", DEMO_UASG, "--contrato", "1").exit_code == 2
    assert cli("sync-comprasnet", "--uasg", DEMO_UASG, "--abas", "itens").exit_code == 2
    assert cli("sync-comprasnet", "--contrato", "1", "--abas", "faturas").exit_code == 2
    assert sim.stats()["requests"] == 0


def test_upstream_failure_is_an_error_not_an_empty_list(
    cli: Cli, sim: Sim, database: Database, settings: Settings
) -> None:
    sim.fault(f"/contrato/ug/{DEMO_UASG}", status=500, times=None)
    result = cli("sync-comprasnet", "--uasg", DEMO_UASG, "--json")
    assert result.exit_code == 1
    assert last_json(result)["status"] == "ERRO"
    assert sim.calls(f"/contrato/ug/{DEMO_UASG}") == settings.comprasnet_max_attempts  # retried, then gave up
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Contrato)) == 0
        run = session.scalars(select(Sincronizacao)).one()
        assert run.status == "ERRO" and "500" in (run.mensagem_erro or "")
        assert run.api_calls == settings.comprasnet_max_attempts


def test_transient_failure_is_retried(cli: Cli, sim: Sim, database: Database) -> None:
    sim.fault(f"/contrato/ug/{DEMO_UASG}", status=503, times=1)
    stats = last_json(cli("sync-comprasnet", "--uasg", DEMO_UASG, "--json"))
    assert stats["api_calls"] == 2 and stats["contratos_processados"] > 0


def test_run_id_is_continued(database: Database, settings: Settings, sim: Sim) -> None:
    run_id = start_run(database, origem="COMPRASNET", tipo="UASG", escopo=f"uasg:{DEMO_UASG}")
    stats = run_uasg_sync(database, settings, DEMO_UASG, run_id=run_id)
    assert stats.run_id == run_id
    with database.session() as session:
        runs = session.scalars(select(Sincronizacao)).all()
        assert [(r.id, r.status) for r in runs] == [(run_id, "CONCLUIDA")]
        assert (
            runs[0].estatisticas
            and runs[0].estatisticas["contratos_processados"] == stats.contratos_processados
        )


def test_inativos_makes_exactly_two_calls_and_stores_the_inactive_contracts(
    cli: Cli, sim: Sim, database: Database
) -> None:
    ativos, inativos = sim.lista(DEMO_UASG), sim.inativos(DEMO_UASG)
    today = today_sao_paulo()
    kept_inativos = _expected_kept(inativos, today)
    assert inativos and kept_inativos  # one was inactivated while still in force
    sim.reset()

    stats = last_json(cli("sync-comprasnet", "--uasg", DEMO_UASG, "--inativos", "--json"))
    assert stats["api_calls"] == 2 and stats["inativos"] is True
    assert sim.stats()["requests"] == 2
    assert sim.calls(f"/contrato/ug/{DEMO_UASG}") == 1 and sim.calls(f"/contrato/inativo/ug/{DEMO_UASG}") == 1
    assert stats["inativos_recebidos"] == len(inativos)
    assert stats["contratos_processados"] == len(_expected_kept(ativos, today) | kept_inativos)
    with database.session() as session:
        for contrato_id in kept_inativos:
            stored = session.get(Contrato, contrato_id)
            assert stored is not None and stored.situacao == "Inativo" and stored.justificativa_inativo
        run = session.scalars(select(Sincronizacao)).one()
        assert run.api_calls == 2


def test_without_inativos_one_call_and_no_inactive_contract(
    cli: Cli, sim: Sim, database: Database
) -> None:
    stats = last_json(cli("sync-comprasnet", "--uasg", DEMO_UASG, "--json"))
    assert stats["api_calls"] == 1 and stats["inativos"] is False and stats["inativos_recebidos"] == 0
    assert sim.calls("/inativo/") == 0
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Contrato).where(
            Contrato.situacao == "Inativo")) == 0
    assert cli("sync-comprasnet", "--contrato", "1", "--inativos").exit_code == 2  # goes with --uasg


def test_the_setting_turns_inativos_on_for_every_run(
    sim: Sim, database: Database, settings: Settings
) -> None:
    on = settings.model_copy(update={"contratos_incluir_inativos": True})
    stats = run_uasg_sync(database, on, DEMO_UASG)
    assert stats.api_calls == 2 and stats.inativos
    assert sim.calls(f"/contrato/inativo/ug/{DEMO_UASG}") == 1
