"""Retention (`espelho db prune`, the daily job) and the database's size (`espelho db status`, /metrics),
through the CLI and the API on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from typer.testing import Result

from espelho.acessorias.models import Alteracao
from espelho.clock import now_utc, today_sao_paulo
from espelho.config import Settings
from espelho.db import Database, database_size_bytes
from espelho.jobs.registry import JobContext
from espelho.jobs.scheduler import celery_beat_schedule, schedule_entries
from espelho.retencao.models import TamanhoBanco
from espelho.retencao.tasks import aplicar
from espelho.syncs.models import Sincronizacao
from tests.test_metrics_endpoint import scrape, value

DAY = timedelta(days=1)


def last_json(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def add_run(database: Database, started: datetime, *, status: str = "CONCLUIDA", tipo: str = "INCREMENTAL",
            origem: str = "ACESSORIAS", escopo: str = "acessorias", competencia: str | None = None) -> int:
    with database.session() as session:
        return int(session.scalar(insert(Sincronizacao).values(
            origem=origem, tipo=tipo, escopo=escopo, competencia=competencia, status=status,
            iniciada_em=started, concluida_em=started + timedelta(seconds=5),
            estatisticas={"api_calls": 7}).returning(Sincronizacao.id)))


def add_change(database: Database, seen: datetime, run_id: int | None = None) -> int:
    with database.session() as session:
        return int(session.scalar(insert(Alteracao).values(
            tipo="processo_status", valor_anterior="Em andamento", valor_novo="Concluído", visto_em=seen,
            sincronizacao_id=run_id).returning(Alteracao.id)))


def ids(database: Database, model: Any) -> set[int]:
    with database.session() as session:
        return set(session.scalars(select(model.id)))


def test_prune_removes_what_outlived_its_retention_and_keeps_the_rest(
        database: Database, cli: Callable[..., Result]) -> None:
    now = now_utc()
    # The run log, default retention 90 days.
    old_ok = add_run(database, now - 200 * DAY)
    old_ok_2 = add_run(database, now - 100 * DAY)
    old_failed = add_run(database, now - 300 * DAY, status="ERRO")  # failed runs are always kept
    recent_ok = add_run(database, now - 89 * DAY)
    # A scope whose last run is old: its last run stays, the ones before it go.
    uasg_older = add_run(database, now - 400 * DAY, origem="COMPRASNET", tipo="UASG", escopo="160001")
    uasg_last = add_run(database, now - 300 * DAY, origem="COMPRASNET", tipo="UASG", escopo="160001")
    # The last successful full sync is what an interrupted one resumes from: kept however old.
    full_last_ok = add_run(database, now - 150 * DAY, tipo="FULL")
    full_failed_after = add_run(database, now - 140 * DAY, tipo="FULL", status="ERRO")
    competencia_full = add_run(database, now - 120 * DAY, tipo="FULL", competencia="05/2026")
    # The change history, default retention 400 days; one change of a run that goes.
    old_change = add_change(database, now - 401 * DAY, old_ok)
    kept_change = add_change(database, now - 399 * DAY, old_ok)
    recent_change = add_change(database, now - DAY, recent_ok)
    with database.session() as session:
        session.add(TamanhoBanco(dia=today_sao_paulo() - 500 * DAY, bytes=1, medido_em=now - 500 * DAY))
        session.add(TamanhoBanco(dia=today_sao_paulo() - 10 * DAY, bytes=2, medido_em=now - 10 * DAY))

    dry = last_json(cli("db", "prune", "--dry-run", "--json"))
    assert dry["dry_run"] is True
    assert dry["removed"] == {"alteracoes": 1, "sincronizacoes": 3, "tamanhos_banco": 1, "desdobramentos": 0,
                              "passos": 0}
    assert ids(database, Sincronizacao) >= {old_ok, old_ok_2, uasg_older}  # nothing removed yet
    assert len(ids(database, Alteracao)) == 3

    done = last_json(cli("db", "prune", "--json"))
    assert done["dry_run"] is False and done["removed"] == dry["removed"]
    assert datetime.fromisoformat(done["cutoff"]["sincronizacoes"]) == pytest.approx(now - 90 * DAY,
                                                                                      abs=timedelta(minutes=5))
    assert ids(database, Sincronizacao) == {old_failed, recent_ok, uasg_last, full_last_ok, full_failed_after,
                                            competencia_full}
    assert ids(database, Alteracao) == {kept_change, recent_change}
    with database.session() as session:
        # The surviving change of a pruned run no longer names it.
        assert session.scalar(select(Alteracao.sincronizacao_id).where(Alteracao.id == kept_change)) is None
        assert session.scalar(select(func.count()).select_from(TamanhoBanco)) == 1
    assert old_change not in ids(database, Alteracao)
    again = last_json(cli("db", "prune", "--json"))
    assert set(again["removed"].values()) == {0}


def test_the_retention_settings_are_read_from_the_environment(
        database: Database, cli: Callable[..., Result]) -> None:
    now = now_utc()
    add_run(database, now - 20 * DAY)
    newest = add_run(database, now - 10 * DAY)
    add_change(database, now - 40 * DAY)
    env = {"ESPELHO_RETENCAO_ALTERACOES_DIAS": "30", "ESPELHO_RETENCAO_SINCRONIZACOES_DIAS": "7"}
    done = last_json(cli("db", "prune", "--json", env=env))
    assert done["removed"] == {"alteracoes": 1, "sincronizacoes": 1, "tamanhos_banco": 0, "desdobramentos": 0,
                               "passos": 0}
    assert ids(database, Sincronizacao) == {newest}
    human = cli("db", "prune", "--dry-run", env=env)
    assert human.exit_code == 0 and "Would remove 0 rows of sincronizacoes" in human.output


def test_the_daily_job_prunes_and_stores_the_days_size(database: Database, settings: Settings) -> None:
    now = now_utc()
    add_run(database, now - 200 * DAY)
    kept = add_run(database, now - 100 * DAY)
    result = aplicar(JobContext(settings, database))
    assert not hasattr(result, "reason"), result  # not skipped
    assert ids(database, Sincronizacao) == {kept}
    with database.session() as session:
        day = session.scalars(select(TamanhoBanco)).one()
    assert day.dia == today_sao_paulo() and day.bytes > 0
    aplicar(JobContext(settings, database))  # a second run the same day replaces the day's size
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(TamanhoBanco)) == 1


def test_the_daily_job_is_on_the_schedule(settings: Settings) -> None:
    by_key = {e.key: e for e in schedule_entries(settings)}
    assert by_key["retencao.aplicar"].task == "retencao.aplicar"
    assert by_key["retencao.aplicar"].schedule == settings.schedule_retencao == "30 3 * * *"
    beat = celery_beat_schedule(settings)["retencao.aplicar"]
    assert beat["task"] == "retencao.aplicar" and str(beat["schedule"].hour) == "{3}"


def test_db_status_reports_size_tables_rows_and_months_left(
        database: Database, cli: Callable[..., Result]) -> None:
    now = now_utc()
    for days in range(3):
        add_run(database, now - days * DAY)
    add_change(database, now)
    status = last_json(cli("db", "status", "--json"))
    assert status["database"] == database.engine.dialect.name
    assert status["size_bytes"] > 0 and status["size_mb"] == round(status["size_bytes"] / 2**20, 2)
    assert status["rows"]["sincronizacoes"] == 3 and status["rows"]["alteracoes"] == 1
    assert status["rows"]["processos"] == 0 and "alembic_version" in status["rows"]
    biggest = status["biggest_tables"]
    assert len(biggest) == 5 and [t["bytes"] for t in biggest] == sorted((t["bytes"] for t in biggest),
                                                                          reverse=True)
    assert all(t["bytes"] >= sum(i["bytes"] for i in t["indexes"]) for t in biggest)
    # No quota, no history yet: nothing to project.
    assert status["quota_mb"] is None and status["growth_30d_mb"] is None and status["months_left"] is None

    size = status["size_bytes"]
    mib = 2**20
    with database.session() as session:
        # 60 days ago the database was 40 MiB smaller, 30 days ago 20 MiB: +20 MiB in the last 30 days.
        session.add(TamanhoBanco(dia=today_sao_paulo() - 60 * DAY, bytes=size - 40 * mib, medido_em=now))
        session.add(TamanhoBanco(dia=today_sao_paulo() - 30 * DAY, bytes=size - 20 * mib, medido_em=now))
    quota = round(size / mib) + 100
    status = last_json(cli("db", "status", "--json", env={"ESPELHO_DB_QUOTA_MB": str(quota)}))
    assert status["quota_mb"] == quota and status["growth_measured_days"] == 30
    assert status["growth_30d_mb"] == pytest.approx(20, abs=1)  # the rows above grew it a little
    assert status["months_left"] == pytest.approx((quota - status["size_mb"]) / status["growth_30d_mb"],
                                                  abs=0.1)
    assert status["months_left"] == pytest.approx(5, abs=0.3)
    human = cli("db", "status", env={"ESPELHO_DB_QUOTA_MB": str(quota)})
    assert human.exit_code == 0 and "months left" in human.output and "sincronizacoes" in human.output
    unset = last_json(cli("db", "status", "--json", env={"ESPELHO_DB_QUOTA_MB": ""}))
    assert unset["quota_mb"] is None and unset["months_left"] is None and unset["growth_30d_mb"] is not None


def test_db_status_measures_growth_over_the_days_it_has(database: Database,
                                                        cli: Callable[..., Result]) -> None:
    size = database_size_bytes(database.engine)
    with database.session() as session:  # a week-old deployment: 7 MiB in 7 days
        session.add(TamanhoBanco(dia=today_sao_paulo() - 7 * DAY, bytes=size - 7 * 2**20,
                                 medido_em=now_utc()))
    status = last_json(cli("db", "status", "--json"))
    assert status["growth_measured_days"] == 7
    assert status["growth_30d_mb"] == pytest.approx(30, abs=1)


def test_metrics_export_the_database_size(anon_api: TestClient, database: Database) -> None:
    exported = value(scrape(anon_api), "espelho_database_size_bytes")
    assert exported == pytest.approx(database_size_bytes(database.engine), rel=0.05)
