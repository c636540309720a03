"""The foundation: migrations on both databases, the upsert helper, health, the error envelope."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from espelho import migrate
from espelho.clock import now_utc
from espelho.db import Database, upsert
from espelho.syncs.models import Sincronizacao
from tests.helpers import TEST_DATABASES, fresh_database_url


@pytest.mark.parametrize("kind", TEST_DATABASES)
def test_migrations_run_from_empty_and_are_idempotent(kind: str, tmp_path: Path) -> None:
    with fresh_database_url(kind, tmp_path) as url:
        migrate.upgrade(url)
        head = migrate.current(url)
        migrate.upgrade(url)  # a second run changes nothing
        assert migrate.current(url) == head
        db = Database(url)
        tables = set(inspect(db.engine).get_table_names())
        db.dispose()
        assert {"sincronizacoes", "usuarios"} <= tables
        migrate.downgrade(url, "base")
        assert migrate.current(url) is None


def test_upsert_inserts_then_updates(database: Database) -> None:
    started = datetime(2026, 1, 1, tzinfo=UTC)
    row = {"id": 7, "origem": "COMPRASNET", "tipo": "UASG", "escopo": "153165", "status": "INICIADA",
           "iniciada_em": started}
    with database.session() as session:
        upsert(session, Sincronizacao, [row], index_elements=["id"])
    with database.session() as session:
        upsert(session, Sincronizacao, [{**row, "status": "CONCLUIDA"}], index_elements=["id"])
    with database.session() as session:
        runs = session.scalars(select(Sincronizacao)).all()
    assert [(r.id, r.status) for r in runs] == [(7, "CONCLUIDA")]
    assert runs[0].iniciada_em == started  # read back timezone-aware on both backends


def test_upsert_batches_beyond_parameter_limits(database: Database) -> None:
    rows = [{"id": i, "origem": "COMPRASNET", "tipo": "UASG", "escopo": str(i), "status": "CONCLUIDA",
             "iniciada_em": now_utc()} for i in range(1, 5001)]
    with database.session() as session:
        assert upsert(session, Sincronizacao, rows, index_elements=["id"]) == 5000
    with database.session() as session:
        assert len(session.scalars(select(Sincronizacao.id)).all()) == 5000


def test_large_upsert_keeps_the_last_duplicate_and_untouched_columns(database: Database) -> None:
    """Big batches take PostgreSQL's COPY path: same results as row-by-row statements, on both backends."""
    started = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [{"id": i, "origem": "COMPRASNET", "tipo": "UASG", "escopo": str(i), "status": "INICIADA",
             "iniciada_em": started, "estatisticas": {"n": i}} for i in range(1, 1501)]
    with database.session() as session:
        upsert(session, Sincronizacao, rows, index_elements=["id"])
    # Without `estatisticas` (kept as stored), and a key given twice (the last wins).
    update = [{**row, "status": "CONCLUIDA", "api_calls": row["id"]} for row in rows]
    for row in update:
        del row["estatisticas"]
    update.append({**update[2], "status": "ERRO", "api_calls": -3})
    with database.session() as session:
        upsert(session, Sincronizacao, update, index_elements=["id"])
    with database.session() as session:
        runs = {r.id: r for r in session.scalars(select(Sincronizacao))}
    assert len(runs) == 1500
    assert (runs[3].status, runs[3].api_calls) == ("ERRO", -3)
    assert (runs[1500].status, runs[1500].api_calls, runs[1500].escopo) == ("CONCLUIDA", 1500, "1500")
    assert runs[7].iniciada_em == started and runs[7].estatisticas == {"n": 7}


def test_health(anon_api) -> None:  # type: ignore[no-untyped-def]
    for path in ("/api/v1/health", "/api/v1/health/"):  # served both ways, never redirected, no token needed
        response = anon_api.get(path, follow_redirects=False)
        assert response.status_code == 200, path
        assert response.json()["status"] == "ok"


def test_unknown_route_uses_the_error_envelope(api) -> None:  # type: ignore[no-untyped-def]
    response = api.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert set(response.json()) == {"error", "detail"}


def test_db_upgrade_command_is_idempotent(cli) -> None:  # type: ignore[no-untyped-def]
    first = cli("db", "upgrade")
    second = cli("db", "upgrade")
    assert first.exit_code == 0 and second.exit_code == 0
    assert "Database at revision" in second.output
