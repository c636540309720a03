"""The mirror writes only what changed and keeps each process's step tree once (through the real sync
against the simulator, on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import zstandard
from fastapi.testclient import TestClient
from sqlalchemy import column, func, insert, inspect, select, table, text, update
from typer.testing import Result

from espelho import migrate
from espelho.acessorias import brutos as brutos_module
from espelho.acessorias import regras, upstream
from espelho.acessorias.brutos import Brutos
from espelho.acessorias.models import Desdobramento, DicionarioBruto, Passo, Processo
from espelho.acessorias.sync import run_sync
from espelho.clock import now_utc
from espelho.config import Settings
from espelho.db import Database, JSONType
from tests.acessorias.conftest import SimControl
from tests.conftest import settings_for
from tests.helpers import TEST_DATABASES, RunningSimulator, fresh_database_url
from tests.retencao.test_retencao import last_json

WRITTEN_TABLES = ("empresas", "processos", "passos", "desdobramentos", "obrigacoes")


class Updates:
    """Rows of each table a block of code UPDATEd (an upsert that hit an existing row counts), even
    when it wrote back the values the row already had."""

    def __init__(self) -> None:
        self.by_table: dict[str, int] = {}


@contextmanager
def counting_updates(database: Database) -> Iterator[Updates]:
    """PostgreSQL: every UPDATE gives the row a new `xmin` (the writing transaction), so rows whose xmin
    moved were written. SQLite: an AFTER UPDATE trigger per table logs each updated row."""
    updates = Updates()
    if database.engine.dialect.name == "postgresql":
        def versions() -> dict[str, dict[int, str]]:
            with database.engine.connect() as conn:
                return {t: dict(conn.execute(text(f"SELECT id, xmin::text FROM {t}")).all())
                        for t in WRITTEN_TABLES}

        before = versions()
        yield updates
        after = versions()
        updates.by_table = {t: sum(1 for id_, xmin in before[t].items() if after[t].get(id_, xmin) != xmin)
                            for t in WRITTEN_TABLES}
        return
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE test_updates (tabela TEXT, row_id INTEGER)"))
        for table in WRITTEN_TABLES:
            conn.execute(text(f"CREATE TRIGGER test_updates_{table} AFTER UPDATE ON {table} BEGIN "
                              f"INSERT INTO test_updates VALUES ('{table}', new.id); END"))
    try:
        yield updates
        with database.engine.connect() as conn:
            counted = dict(conn.execute(
                text("SELECT tabela, count(*) FROM test_updates GROUP BY tabela")).all())
        updates.by_table = {t: counted.get(t, 0) for t in WRITTEN_TABLES}
    finally:
        with database.engine.begin() as conn:
            for table in WRITTEN_TABLES:
                conn.execute(text(f"DROP TRIGGER test_updates_{table}"))
            conn.execute(text("DROP TABLE test_updates"))


def test_a_second_sync_of_unchanged_data_rewrites_no_row(
    database: Database, settings: Settings, sim: SimControl
) -> None:
    run_sync(database, settings, "FULL")
    with counting_updates(database) as full_again:
        again = run_sync(database, settings, "FULL")
    assert again.inalterados == again.total_processos > 0
    assert full_again.by_table == dict.fromkeys(WRITTEN_TABLES, 0)
    with counting_updates(database) as incremental:
        run_sync(database, settings, "INCREMENTAL")
    assert incremental.by_table == dict.fromkeys(WRITTEN_TABLES, 0)


def test_a_change_rewrites_only_its_rows(database: Database, settings: Settings, sim: SimControl) -> None:
    run_sync(database, settings, "FULL")
    changed = sim.advance(steps_completed=3)["steps_completed"]
    with database.session() as session:
        ids = set(session.scalars(select(Processo.id).where(Processo.proc_id.in_(changed))))
        done_before = session.scalar(select(func.count()).select_from(Passo).where(Passo.concluido.is_(True)))
    with counting_updates(database) as updates:
        result = run_sync(database, settings, "INCREMENTAL")
    assert result.atualizados == 3
    # The three processes (their header moved), and in each only the one step just done.
    assert updates.by_table["processos"] == 3 and updates.by_table["passos"] == 3
    assert updates.by_table["desdobramentos"] <= 3  # when the step done was a question, its answer
    assert updates.by_table["empresas"] == updates.by_table["obrigacoes"] == 0
    with database.session() as session:
        done_after = session.scalar(select(func.count()).select_from(Passo).where(Passo.concluido.is_(True)))
        assert done_after == done_before + 3
        assert set(session.scalars(select(Passo.processo_id).where(Passo.data_conclusao.is_not(None)))) == ids


def test_the_step_tree_is_stored_once(database: Database, settings: Settings, sim: SimControl,
                                      api: TestClient) -> None:
    run_sync(database, settings, "FULL")
    with database.session() as session:
        brutos = Brutos.carregar(session)
        raws = session.execute(select(Processo.id, Processo.raw_json, Processo.hash_detalhe,
                                      Processo.total_passos)).all()
        headers = [brutos.unpack(r.raw_json) for r in raws]
        assert raws and all(h and "ProcPassos" not in h and h["ProcID"] for h in headers)
        assert all(r.hash_detalhe for r in raws if r.total_passos)
        # Each step keeps its own raw, without its children (they are rows of their own); a question's
        # raw is its step's, stored once.
        steps = {r.id: brutos.unpack(r.raw_json) for r in session.execute(select(Passo.id, Passo.raw_json))}
        assert steps and all(raw and "ProcPassos" not in raw for raw in steps.values())
        question = session.execute(select(Desdobramento.passo_id, Desdobramento.pergunta).limit(1)).one()
        assert steps[question.passo_id]["Tipo"] == "Desdobramento"
        assert steps[question.passo_id]["Nome"] == question.pergunta
        assert "raw_json" not in Desdobramento.__table__.columns
        processo_id = max(raws, key=lambda r: r.total_passos).id
    # What reads the tree reads the rows: the API's passos, the process, the export.
    passos = api.get(f"/api/v1/processos/{processo_id}/passos/").json()
    assert passos["total"] > 0 and all(p["nome"] is not None for p in passos["items"])
    assert api.get(f"/api/v1/processos/{processo_id}/").status_code == 200
    export = api.get("/api/v1/processos/", params={"formato": "csv"})
    assert export.status_code == 200 and export.text.count("\n") == len(raws) + 1


def index_names(database: Database, table: str) -> set[str]:
    """Every index of `table` (SQLAlchemy's reflection skips expression indexes, with a warning)."""
    if database.engine.dialect.name == "postgresql":
        query = "SELECT indexname FROM pg_indexes WHERE tablename = :t"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
    with database.engine.connect() as conn:
        return set(conn.execute(text(query), {"t": table}).scalars())


@pytest.mark.parametrize("kind", TEST_DATABASES)
def test_the_migration_strips_stored_step_trees(kind: str, tmp_path: Path,
                                                simulator: RunningSimulator) -> None:
    detail = httpx.get(f"{simulator.acessorias_url}/processes/6001",
                       headers={"Authorization": "Bearer test-token"}).json()
    raw = detail[0] if isinstance(detail, list) else detail
    assert raw["ProcPassos"]
    with fresh_database_url(kind, tmp_path) as url:
        migrate.upgrade(url, "20261129_10")
        database = Database(url)
        now = now_utc()
        # The table as that revision had it: raw_json was JSON then.
        columns = [column(c.name, c.type) for c in Processo.__table__.columns
                   if c.name not in ("raw_json", "hash_detalhe")]
        processos = table("processos", *columns, column("raw_json", JSONType))
        with database.session() as session:
            session.execute(insert(processos).values(
                proc_id=6001, nome="P", total_passos=0, passos_concluidos=0, raw_json=raw,
                sincronizado_em=now))
            session.execute(insert(processos).values(
                proc_id=6002, nome="Q", total_passos=0, passos_concluidos=0, raw_json={"ProcID": "6002"},
                sincronizado_em=now))
        database.dispose()
        migrate.upgrade(url)
        database = Database(url)
        with database.session() as session:
            brutos = Brutos.carregar(session)
            stripped = [(brutos.unpack(r.raw_json), r.hash_detalhe) for r in session.execute(
                select(Processo.raw_json, Processo.hash_detalhe).order_by(Processo.proc_id))]
        proc = upstream.UpstreamProcess.model_validate(raw)
        # Exactly what the sync now stores for that detail: the same detail will not be rewritten.
        expected = upstream.processo_row(proc, raw)
        assert stripped[0] == (expected["raw_json"], expected["hash_detalhe"])
        assert "ProcPassos" not in stripped[0][0] and stripped[0][0]["ProcID"] == raw["ProcID"]
        assert stripped[1] == ({"ProcID": "6002"}, None)  # a header-only row is left as it was
        names = index_names(database, "processos")
        assert not names & {"ix_processos_empresa_id", "ix_processos_competencia", "ix_processos_status",
                            "ix_processos_competencia_status"}
        assert "ix_passos_processo_id_ordem" not in index_names(database, "passos")
        assert index_names(database, "desdobramentos") & {"ix_desdobramentos_processo_id"} == set()
        assert "tamanhos_banco" in inspect(database.engine).get_table_names()
        if kind == "postgresql":  # the trigram indexes no longer buffer inserts in a pending list
            with database.engine.connect() as conn:
                options = conn.execute(text(
                    "SELECT reloptions FROM pg_class WHERE relname IN "
                    "('ix_processos_nome_busca', 'ix_processos_titulo_busca')")).scalars()
                assert list(options) == [["fastupdate=off"]] * 2
        database.dispose()
        migrate.downgrade(url, "20261129_10")
        database = Database(url)
        names = index_names(database, "processos")
        assert {"ix_processos_empresa_id", "ix_processos_competencia", "ix_processos_status"} <= names
        assert "hash_detalhe" not in {c["name"] for c in inspect(database.engine).get_columns("processos")}
        database.dispose()


def test_a_month_opened_upstream_is_mirrored_by_the_incremental(
    database: Database, settings: Settings, sim: SimControl
) -> None:
    """The simulator's new month (what bench_footprint.py simulates a year of) reaches the mirror."""
    run_sync(database, settings, "FULL")
    opened = sim.advance(months_opened=1)
    empresas = sim.world()["empresas"]
    # One process per template of each company's regime (1 to 3), and its obligations of the competência.
    assert empresas <= len(opened["processes_created"]) <= 3 * empresas
    assert empresas <= len(opened["deliveries_created"]) <= 3 * empresas
    result = run_sync(database, settings, "INCREMENTAL")
    assert result.novos == len(opened["processes_created"])
    assert result.obrigacoes_novas == len(opened["deliveries_created"])


def test_raws_are_packed_with_each_tables_own_dictionary(database: Database, settings: Settings,
                                                         simulator: RunningSimulator) -> None:
    """After the first sync every big enough table has a dictionary, every row is a frame that names it,
    it reads back as exactly what the upstream sent, and it takes far fewer bytes than the JSON."""
    run_sync(database, settings, "FULL")
    detail = httpx.get(f"{simulator.acessorias_url}/processes/6001",
                       headers={"Authorization": "Bearer test-token"}).json()
    sent = detail[0] if isinstance(detail, list) else detail
    with database.session() as session:
        brutos = Brutos.carregar(session)
        trained = dict(session.execute(select(DicionarioBruto.tabela, DicionarioBruto.dict_id)).all())
        for model in brutos_module.TREINADAS:
            rows = session.scalars(select(model.raw_json)).all()
            if len(rows) < brutos_module.MIN_AMOSTRAS:
                assert model.__tablename__ not in trained
                continue
            assert {zstandard.get_frame_parameters(r).dict_id for r in rows} == {trained[model.__tablename__]}
            texts = [json.dumps(brutos.unpack(r), ensure_ascii=False, separators=(",", ":")) for r in rows]
            packed, plain = sum(map(len, rows)), sum(len(t.encode()) for t in texts)
            assert packed < plain / 2, (model.__tablename__, packed, plain)
        assert {"processos", "passos"} <= set(trained)
        header = session.scalar(select(Processo.raw_json).where(Processo.proc_id == 6001))
        assert brutos.unpack(header) == upstream.header_raw(sent)
        first_step = session.scalar(select(Passo.raw_json).join(Processo).where(
            Processo.proc_id == 6001, Passo.caminho == "1"))
        step_sent = {k: v for k, v in sent["ProcPassos"][0].items() if k != "ProcPassos"}
        assert brutos.unpack(first_step) == step_sent


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


@pytest.mark.parametrize("kind", TEST_DATABASES)
def test_the_packing_migration_reads_old_rows_and_goes_back(kind: str, tmp_path: Path,
                                                            simulator: RunningSimulator) -> None:
    """Rows migrated as JSON text read back, the next sync packs them, and the downgrade restores JSON
    (a question's raw copied back from its step)."""
    with fresh_database_url(kind, tmp_path) as url:
        migrate.upgrade(url)
        database = Database(url)
        run_sync(database, settings_for(url, simulator), "FULL")
        with database.session() as session:
            brutos = Brutos.carregar(session)
            expected = {r.id: brutos.unpack(r.raw_json)
                        for r in session.execute(select(Passo.id, Passo.raw_json))}
            question = session.scalar(select(Desdobramento.passo_id).limit(1))
        database.dispose()
        migrate.downgrade(url, "20261207_25c")
        database = Database(url)
        with database.engine.connect() as conn:  # JSON again: text on SQLite, jsonb (dicts) on PostgreSQL
            restored = {row.id: as_json(row.raw_json)
                        for row in conn.execute(text("SELECT id, raw_json FROM passos"))}
            copied = conn.execute(text("SELECT raw_json FROM desdobramentos WHERE passo_id = :p"),
                                  {"p": question}).scalar_one()
        assert restored == expected
        assert as_json(copied) == expected[question]
        database.dispose()
        migrate.upgrade(url)
        database = Database(url)
        with database.session() as session:
            brutos = Brutos.carregar(session)
            assert session.scalar(select(func.count()).select_from(DicionarioBruto)) == 0
            assert {r.id: brutos.unpack(r.raw_json)
                    for r in session.execute(select(Passo.id, Passo.raw_json))} == expected
        database.dispose()


def step_tree(api: TestClient, processo_id: int) -> list[tuple[str, str, str | None]]:
    response = api.get(f"/api/v1/processos/{processo_id}/passos/", params={"page_size": 500})
    assert response.status_code == 200, response.text
    return [(p["caminho"], p["nome"], p["status"]) for p in response.json()["items"]]


def test_cold_step_trees_are_pruned_and_fetched_again_when_opened(
    database: Database, settings: Settings, sim: SimControl, api: TestClient, cli: Callable[..., Result]
) -> None:
    """Concluded processes whose detail has not changed for the history's retention lose their step tree
    (the process keeps its header and counts); opening the passos tab fetches it again, one call."""
    run_sync(database, settings, "FULL")
    with database.session() as session:
        concluded = dict(session.execute(select(Processo.id, Processo.proc_id).where(
            regras.processo_concluido(), Processo.total_passos > 0)).all())
        open_steps = session.scalar(select(func.count()).select_from(Passo).join(Processo).where(
            regras.processo_aberto()))
        cold_steps = session.scalar(select(func.count()).select_from(Passo).where(
            Passo.processo_id.in_(concluded)))
        cold_questions = session.scalar(select(func.count()).select_from(Desdobramento).where(
            Desdobramento.processo_id.in_(concluded)))
        totals = dict(session.execute(select(Processo.id, Processo.total_passos)).all())
        # Their details have not changed for 401 days; one concluded process's changed yesterday.
        warm = min(concluded)
        session.execute(update(Processo).where(Processo.id.in_(set(concluded) - {warm}))
                        .values(detalhes_atualizados_em=now_utc() - timedelta(days=401)))
        session.execute(update(Processo).where(Processo.id == warm)
                        .values(detalhes_atualizados_em=now_utc() - timedelta(days=1)))
    assert len(concluded) >= 3 and open_steps and cold_steps and cold_questions
    cold = sorted(set(concluded) - {warm})
    before = {processo_id: step_tree(api, processo_id) for processo_id in cold[:2]}
    warm_steps = step_tree(api, warm)

    pruned = last_json(cli("db", "prune", "--json"))
    with database.session() as session:
        assert pruned["removed"]["passos"] == cold_steps - len(warm_steps) > 0
        assert pruned["removed"]["desdobramentos"] > 0
        assert session.scalar(select(func.count()).select_from(Passo).where(Passo.processo_id.in_(cold))) == 0
        assert session.scalar(select(func.count()).select_from(Passo).join(Processo).where(
            regras.processo_aberto())) == open_steps  # open processes keep every step
        assert dict(session.execute(select(Processo.id, Processo.total_passos)).all()) == totals
        marked = session.scalars(select(Processo.id).where(Processo.passos_podados_em.is_not(None)))
        assert set(marked) == set(cold)
    assert last_json(cli("db", "prune", "--json"))["removed"]["passos"] == 0
    # A full sync sees the same details: it does not store the pruned trees again.
    assert run_sync(database, settings, "FULL").inalterados > 0
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Passo).where(Passo.processo_id.in_(cold))) == 0

    # Opening the tab: one upstream call, the same tree, no history of steps "done" now.
    sim.reset_stats()
    changes_before = len(api.get("/api/v1/alteracoes/").json()["items"])
    assert step_tree(api, cold[0]) == before[cold[0]]
    assert sim.stats()["total"] == 1
    assert step_tree(api, cold[0]) == before[cold[0]] and sim.stats()["total"] == 1
    assert len(api.get("/api/v1/alteracoes/").json()["items"]) == changes_before
    desdobramentos = api.get(f"/api/v1/processos/{cold[0]}/desdobramentos/")
    assert desdobramentos.status_code == 200 and sim.stats()["total"] == 1

    # The upstream down: a clear 503, and the process stays as it was.
    sim.faults(fail_detail_ids=[concluded[cold[1]]])
    failed = api.get(f"/api/v1/processos/{cold[1]}/passos/")
    assert failed.status_code == 503 and failed.json()["error"] == "upstream_unavailable"
    with database.session() as session:
        assert session.scalar(select(Processo.passos_podados_em).where(Processo.id == cold[1])) is not None
    sim.faults(fail_detail_ids=[])
    assert step_tree(api, cold[1]) == before[cold[1]]
