"""Full and incremental syncs against the simulator over loopback, through the real client."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from espelho.acessorias.brutos import Brutos
from espelho.acessorias.models import Desdobramento, Empresa, MetricaCache, Obrigacao, Passo, Processo
from espelho.acessorias.sync import run_sync
from espelho.clock import now_utc
from espelho.config import Settings
from espelho.db import Database
from espelho.errors import InvalidInput, UpstreamUnavailable
from espelho.syncs.models import Sincronizacao
from espelho.syncs.service import Progresso
from tests.acessorias.conftest import SimControl, snapshot
from tests.conftest import on_month_days


def count(database: Database, model: type) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def alive_ids(database: Database) -> set[int]:
    with database.session() as session:
        return set(session.scalars(select(Processo.proc_id).where(Processo.removido_em.is_(None))))


@on_month_days
def test_full_sync_mirrors_the_office(
    frozen_day: date, database: Database, settings: Settings, sim: SimControl
) -> None:
    world = sim.world()
    result = run_sync(database, settings, "FULL")
    assert result.status == "CONCLUIDA" and result.tipo == "FULL"
    assert result.novos == world["processos"] == result.total_processos
    # The unstable pagination duplicated and skipped list rows: duplicates were dropped and the skipped
    # processes were recovered by id, so the mirror holds exactly the world.
    assert result.duplicados > 0
    assert alive_ids(database) == set(world["processos_ids"])
    assert count(database, Empresa) == world["empresas"]
    assert count(database, Obrigacao) == world["entregas"]
    assert count(database, Passo) > 4 * world["processos"] and count(database, Desdobramento) > 0
    # api_calls is what the simulator actually received.
    assert result.api_calls == sim.stats()["total"]
    with database.session() as session:
        run = session.scalars(select(Sincronizacao)).one()
        assert (run.origem, run.tipo, run.escopo, run.status) == (
            "ACESSORIAS",
            "FULL",
            "acessorias",
            "CONCLUIDA",
        )
        assert run.processos_novos == world["processos"] and run.api_calls == result.api_calls
        # Derived counts agree with the stored passos.
        proc = session.scalars(select(Processo).where(Processo.total_passos > 0).limit(1)).one()
        done = session.scalar(
            select(func.count()).where(
                Passo.processo_id == proc.id, Passo.concluido.is_(True), Passo.status.is_not(None)
            )
        )
        assert proc.passos_concluidos == done
        assert (
            proc.empresa_id is not None
            and proc.competencia
            and proc.hash_snapshot
            and (Brutos.carregar(session).unpack(proc.raw_json) or {})["ProcID"]
        )
        linked = session.scalar(
            select(func.count()).select_from(Obrigacao).where(Obrigacao.processo_id.is_not(None))
        )
        assert linked and linked > 0


def test_rerunning_a_sync_changes_nothing(database: Database, settings: Settings, sim: SimControl) -> None:
    run_sync(database, settings, "FULL")
    before = snapshot(database)
    again = run_sync(database, settings, "FULL")
    assert (again.novos, again.atualizados, again.removidos) == (0, 0, 0)
    assert again.obrigacoes_novas == again.obrigacoes_atualizadas == 0
    incremental = run_sync(database, settings, "INCREMENTAL")
    assert (incremental.novos, incremental.atualizados, incremental.removidos) == (0, 0, 0)
    assert snapshot(database) == before


@on_month_days
def test_incremental_fetches_only_new_or_changed_details(
    frozen_day: date, database: Database, settings: Settings, sim: SimControl
) -> None:
    run_sync(database, settings, "FULL")
    with database.session() as session:
        session.add(
            MetricaCache(competencia="01/2020", metrica_tipo="resumo", valor={"n": 1}, calculada_em=now_utc())
        )
    changed = sim.advance(steps_completed=3, processes_created=2, deliveries_changed=4)
    sim.reset_stats()

    result = run_sync(database, settings, "INCREMENTAL")

    stats = sim.stats()
    created = changed["processes_created"]
    probes = {max(created) + 1, max(created) + 2}
    assert sorted(stats["detail_ids"]) == sorted({*changed["steps_completed"], *created, *probes})
    assert stats["requests"].get("companies_list", 0) == 0 and stats["delivery_cnpjs"] == []
    assert (result.novos, result.atualizados, result.removidos) == (2, 3, 0)
    assert result.obrigacoes_atualizadas == 4 and result.api_calls == stats["total"]
    assert alive_ids(database) == set(sim.world()["processos_ids"])
    with database.session() as session:
        # The step just completed is dated by the sync that saw it happen.
        recent = session.scalar(
            select(func.count()).select_from(Passo).where(Passo.data_conclusao.is_not(None))
        )
        assert recent == 3
        # Untouched competências keep their cached metrics.
        assert session.scalar(select(func.count()).select_from(MetricaCache)) == 1


def test_incremental_with_nothing_changed_makes_only_list_calls(
    database: Database, settings: Settings, sim: SimControl
) -> None:
    run_sync(database, settings, "FULL")
    sim.reset_stats()
    result = run_sync(database, settings, "INCREMENTAL")
    requests = sim.stats()["requests"]
    # List pages (the last one empty and confirmed) for processes and deliveries, plus the 2 probes.
    assert requests.get("process_detail", 0) == 2
    assert set(requests) <= {"total", "processes_list", "deliveries_list", "process_detail"}
    assert result.api_calls == requests["total"] and result.novos == result.atualizados == 0
    assert result.inalterados >= 0 and result.detalhes == 2


def test_silent_empty_page_is_confirmed_and_recovered(
    database: Database, settings: Settings, sim: SimControl
) -> None:
    sim.faults(silent_empty_pages=1)
    result = run_sync(database, settings, "FULL")
    assert result.paginas_vazias_recuperadas == 1
    assert alive_ids(database) == set(sim.world()["processos_ids"])


def test_silent_empty_list_loses_and_deletes_nothing(
    database: Database, settings: Settings, sim: SimControl
) -> None:
    run_sync(database, settings, "FULL")
    before = alive_ids(database)
    # The first process page and its confirmation both come back [].
    sim.faults(silent_empty_pages=2, silent_empty_on="processes")
    result = run_sync(database, settings, "FULL")
    assert result.status == "CONCLUIDA" and result.varredura_completa is False
    assert result.removidos == 0 and alive_ids(database) == before
    assert count(database, Passo) > 0


def test_silent_empty_delta_is_asked_again_next_run(
    database: Database, settings: Settings, sim: SimControl
) -> None:
    run_sync(database, settings, "FULL")
    changed = sim.advance(steps_completed=2)
    sim.faults(silent_empty_pages=2, silent_empty_on="processes")
    hidden = run_sync(database, settings, "INCREMENTAL")
    assert hidden.atualizados == 0  # the delta looked empty…
    found = run_sync(database, settings, "INCREMENTAL")
    assert found.atualizados == 2  # …so the cursor did not move past those changes
    assert sorted(sim.stats()["detail_ids"][-4:-2]) == sorted(changed["steps_completed"])


def test_removed_process_is_marked_not_deleted(
    database: Database, settings: Settings, sim: SimControl
) -> None:
    run_sync(database, settings, "FULL")
    gone = sim.advance(processes_deleted=2)["processes_deleted"]
    result = run_sync(database, settings, "FULL")
    assert result.removidos == 2
    with database.session() as session:
        rows = session.execute(
            select(Processo.proc_id, Processo.removido_em, Processo.status).where(Processo.proc_id.in_(gone))
        ).all()
    assert len(rows) == 2 and all(r.removido_em is not None and r.status == "Excluído" for r in rows)
    assert result.total_processos == sim.world()["processos"]


def test_failure_mid_sync_keeps_data_and_records_erro(
    database: Database, settings: Settings, sim: SimControl
) -> None:
    run_sync(database, settings, "FULL")
    changed = sim.advance(steps_completed=6)["steps_completed"]
    with database.session() as session:
        failing_before = session.scalar(select(Processo.raw_json).where(Processo.proc_id == changed[0]))
        stored_before = session.scalar(select(func.count()).select_from(Processo))
    sim.faults(fail_detail_ids=[changed[0]])
    with pytest.raises(UpstreamUnavailable):
        run_sync(database, settings, "INCREMENTAL")
    with database.session() as session:
        run = session.scalars(select(Sincronizacao).order_by(Sincronizacao.id.desc()).limit(1)).one()
        assert run.status == "ERRO" and "500" in (run.mensagem_erro or "") and run.concluida_em is not None
        # The failed process was left exactly as it was; nothing was deleted.
        assert (
            session.scalar(select(Processo.raw_json).where(Processo.proc_id == changed[0])) == failing_before
        )
        assert session.scalar(select(func.count()).select_from(Processo)) == stored_before
        # Every stored process is whole: its derived counts match its passos.
        for proc in session.scalars(select(Processo)):
            n = session.scalar(
                select(func.count()).where(Passo.processo_id == proc.id, Passo.status.is_not(None))
            )
            assert n == proc.total_passos
    sim.faults(fail_detail_ids=[])
    recovered = run_sync(database, settings, "INCREMENTAL")
    assert recovered.status == "CONCLUIDA" and recovered.atualizados >= 1
    with database.session() as session:
        assert (
            session.scalar(select(Processo.raw_json).where(Processo.proc_id == changed[0])) != failing_before
        )


def test_competencia_scope_and_validation(database: Database, settings: Settings, sim: SimControl) -> None:
    run_sync(database, settings, "FULL")
    with database.session() as session:
        competencia = session.scalar(
            select(Processo.competencia).group_by(Processo.competencia).order_by(func.count().desc()).limit(1)
        )
    result = run_sync(database, settings, "FULL", competencia=competencia)
    assert result.competencia == competencia and result.removidos == 0
    with pytest.raises(InvalidInput):
        run_sync(database, settings, "FULL", competencia="2026-05")
    with pytest.raises(InvalidInput):
        run_sync(database, settings, "WEEKLY")


def test_missing_token_is_recorded_as_error(database: Database, settings: Settings, sim: SimControl) -> None:
    with pytest.raises(InvalidInput):
        run_sync(database, settings.model_copy(update={"acessorias_token": None}), "FULL")
    with database.session() as session:
        assert session.scalars(select(Sincronizacao.status)).one() == "ERRO"


def test_new_company_named_by_a_process_is_completed(
    database: Database, settings: Settings, sim: SimControl
) -> None:
    run_sync(database, settings, "FULL")
    changed = sim.advance(companies_created=1)
    codigo = changed["companies_created"][0]
    result = run_sync(database, settings, "INCREMENTAL")
    assert result.novos == 1 and result.empresas_novas == 1
    with database.session() as session:
        empresa = session.scalars(select(Empresa).where(Empresa.codigo == codigo)).one()
        assert empresa.completa and empresa.regime_tributario and empresa.cnpj
        proc = session.scalars(
            select(Processo).where(Processo.proc_id == changed["processes_created"][0])
        ).one()
        assert proc.empresa_id == empresa.id and proc.regime_tributario == empresa.regime_tributario
    again = run_sync(database, settings, "INCREMENTAL")
    assert again.empresas_novas == again.empresas_atualizadas == 0


def test_progress_reports_each_phase(database: Database, settings: Settings, sim: SimControl) -> None:
    seen: list[Progresso] = []
    run_sync(database, settings, "FULL", progress=seen.append)
    fases = [at.fase for at in seen]
    assert set(fases) >= {"empresas", "lista de processos", "processos fora da lista", "detalhes",
                          "obrigações"}
    # Phase 1 (everything the dashboards read) before phase 2 (details), then obrigações.
    assert fases.index("processos fora da lista") < fases.index("detalhes") < fases.index("obrigações")
    detalhes = [at for at in seen if at.fase == "detalhes"]
    first = detalhes[0]
    assert first.feitos == 0 and first.total and first.total > 0
    # The ETA counts what is left (details, later details, probes, obrigações) at the rate limit.
    assert first.chamadas_restantes is not None and first.chamadas_restantes > first.total
    rate = settings.acessorias_rate_limit
    assert first.eta_s == pytest.approx(first.chamadas_restantes * 60 / rate, abs=0.1)
    last = seen[-1]
    assert last.fase == "obrigações" and last.feitos == last.total and last.chamadas_restantes == 0


def test_silently_empty_first_sync_is_not_taken_as_a_cursor(
    database: Database, settings: Settings, sim: SimControl
) -> None:
    sim.faults(silent_empty_pages=2, silent_empty_on="processes")
    first = run_sync(database, settings, "FULL")
    assert first.status == "CONCLUIDA" and first.total_processos == 0
    # Nothing mirrored yet: the next incremental sweeps the whole list instead of trusting a DtLastDH window.
    second = run_sync(database, settings, "INCREMENTAL")
    assert second.novos == second.total_processos == sim.world()["processos"]
