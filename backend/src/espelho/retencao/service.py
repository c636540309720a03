"""Retention and the database's size.

- **Retention**: the change history (`alteracoes`) older than `ESPELHO_RETENCAO_ALTERACOES_DIAS` and the
  successful sync runs (`sincronizacoes`) older than `ESPELHO_RETENCAO_SINCRONIZACOES_DIAS` are deleted.
  Failed runs are always kept, and so is the last successful run of each kind of run over each scope
  (origem, tipo, escopo, competência): what the syncs read to know where they stand (the last run's
  start, an interrupted full sweep) and what /metrics ages. The daily sizes go with the history's
  retention, and so do the step trees (passos, desdobramentos) of concluded processes whose detail has
  not changed for as long: the process keeps its header and step counts, `passos_podados_em` marks it,
  and its passos tab fetches the tree again when opened (acessorias.sync.restaurar_passos). Without
  this the steps, a third of the mirror, grew for ever with the office's past.
- **Size**: the database's size, its biggest tables with their indexes, the rows of every table, and
  the months left until `ESPELHO_DB_QUOTA_MB` at the growth since the daily size of 30 days ago.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Connection, and_, delete, exists, func, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from espelho.acessorias import regras
from espelho.acessorias.models import Alteracao, Desdobramento, Passo, Processo
from espelho.clock import now_utc, today_sao_paulo
from espelho.config import Settings
from espelho.db import Database, database_size_bytes, upsert
from espelho.retencao.models import TamanhoBanco
from espelho.syncs.models import Sincronizacao
from espelho.syncs.service import CONCLUIDA

MIB = 1024 * 1024
BIGGEST = 5  # tables `espelho db status` details
GROWTH_WINDOW_DAYS = 30
STEP_TABLES = (Desdobramento.__tablename__, Passo.__tablename__)  # pruned with the cold step trees
MONTH_DAYS = 30.0


class PruneResult(BaseModel):
    """What `espelho db prune --json` prints and the daily job logs."""

    dry_run: bool = Field(description="Nothing was deleted: `removed` counts what would be")
    removed: dict[str, int] = Field(description="Rows removed per table")
    cutoff: dict[str, datetime] = Field(description="Per table, rows older than this were removed")


def _prunable_runs(cutoff: datetime) -> ColumnElement[bool]:
    """Successful runs started before `cutoff`, except the newest successful one of each kind of run
    over each scope. ERRO runs (and INICIADA ones, still going) never match."""
    s = Sincronizacao
    newest = select(func.max(s.id)).where(s.status == CONCLUIDA).group_by(s.origem, s.tipo, s.escopo,
                                                                           s.competencia)
    return and_(s.iniciada_em < cutoff, s.status == CONCLUIDA, s.id.not_in(newest))


def _cold_step_trees(cutoff: datetime) -> Any:
    """The processes whose step tree the retention removes: concluded, their detail unchanged since
    `cutoff`, and with steps still stored."""
    return select(Processo.id).where(
        regras.processo_concluido(), Processo.detalhes_atualizados_em < cutoff,
        exists().where(Passo.processo_id == Processo.id))


def prune(database: Database, settings: Settings, *, dry_run: bool = False) -> PruneResult:
    """Apply the retention in one transaction (or, with `dry_run`, count what it would remove)."""
    now = now_utc()
    history_cutoff = now - timedelta(days=settings.retencao_alteracoes_dias)
    runs_cutoff = now - timedelta(days=settings.retencao_sincronizacoes_dias)
    sizes_cutoff = today_sao_paulo() - timedelta(days=settings.retencao_alteracoes_dias)
    cold = _cold_step_trees(history_cutoff)
    # The history first: the runs it still points at are then fewer to unlink (ON DELETE SET NULL).
    targets: list[tuple[Any, ColumnElement[bool], datetime]] = [
        (Alteracao, Alteracao.visto_em < history_cutoff, history_cutoff),
        (Sincronizacao, _prunable_runs(runs_cutoff), runs_cutoff),
        (TamanhoBanco, TamanhoBanco.dia < sizes_cutoff, history_cutoff),
        (Desdobramento, Desdobramento.processo_id.in_(cold), history_cutoff),
        (Passo, Passo.processo_id.in_(cold), history_cutoff),
    ]
    removed: dict[str, int] = {}
    with database.session() as session:
        if not dry_run:  # marked first: `cold` is read from the passos about to go
            session.execute(update(Processo).where(Processo.id.in_(cold)).values(passos_podados_em=now))
        for model, condition, _cutoff in targets:
            if dry_run:
                count = session.scalar(select(func.count()).select_from(model).where(condition))
            else:
                count = session.execute(delete(model).where(condition)).rowcount  # type: ignore[attr-defined]
            removed[model.__tablename__] = int(count or 0)
    return PruneResult(dry_run=dry_run, removed=removed,
                       cutoff={model.__tablename__: cutoff for model, _condition, cutoff in targets})


def record_size(database: Database) -> int:
    """Store today's database size (once a day: a second measurement replaces the day's)."""
    size = database_size_bytes(database.engine)
    with database.session() as session:
        upsert(session, TamanhoBanco, [{"dia": today_sao_paulo(), "bytes": size, "medido_em": now_utc()}],
               index_elements=["dia"])
    return size


# --- status -----------------------------------------------------------------------------------------------
class IndexSize(BaseModel):
    index: str
    bytes: int


class TableSize(BaseModel):
    table: str
    bytes: int = Field(description="The table with its indexes (and, on PostgreSQL, its TOAST)")
    indexes: list[IndexSize]


class DbStatus(BaseModel):
    """What `espelho db status --json` prints."""

    database: str = Field(description="postgresql or sqlite")
    size_bytes: int
    size_mb: float
    biggest_tables: list[TableSize] = Field(description="The five biggest tables, with their indexes "
                                                        "(empty on a SQLite built without dbstat)")
    rows: dict[str, int] = Field(description="Rows of every table")
    quota_mb: float | None = Field(description="ESPELHO_DB_QUOTA_MB; null: no quota")
    growth_30d_mb: float | None = Field(
        description="Growth over the last 30 days (over fewer, scaled to 30, while the daily sizes are "
                    "younger); null before the first daily size of an earlier day")
    growth_measured_days: int | None = Field(description="The days the growth was measured over")
    months_left: float | None = Field(
        description="30-day months until the quota at that growth; null without a quota or growth")


def _table_sizes(conn: Connection) -> list[TableSize]:
    tables: list[tuple[str, int]]  # (table, bytes with its indexes)
    indexes: list[tuple[str, str, int]]  # (table, index, bytes)
    if conn.dialect.name == "postgresql":
        tables = [(name, int(size)) for name, size in conn.execute(text(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()"))]
        indexes = [(table, index, int(size)) for table, index, size in conn.execute(text(
            "SELECT t.relname, i.relname, pg_relation_size(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()"))]
    else:
        try:
            pages = {name: int(size) for name, size in conn.execute(
                text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))}
        except OperationalError:  # a SQLite built without the dbstat table: sizes unknown
            return []
        objects = conn.execute(text(
            "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index') "
            "AND (name NOT LIKE 'sqlite_%' OR name LIKE 'sqlite_autoindex_%')")).all()
        indexes = [(o.tbl_name, o.name, int(pages.get(o.name, 0))) for o in objects if o.type == "index"]
        own = {o.name: int(pages.get(o.name, 0)) for o in objects if o.type == "table"}
        tables = [(name, size + sum(b for t, _i, b in indexes if t == name)) for name, size in own.items()]
    by_table: dict[str, list[IndexSize]] = {}
    for table, index, size in indexes:
        by_table.setdefault(table, []).append(IndexSize(index=index, bytes=int(size)))
    return [TableSize(table=name, bytes=int(size),
                      indexes=sorted(by_table.get(name, []), key=lambda i: -i.bytes))
            for name, size in tables]


def _rows(conn: Connection, tables: list[str]) -> dict[str, int]:
    quote = conn.dialect.identifier_preparer.quote
    return {table: int(conn.execute(text(f"SELECT count(*) FROM {quote(table)}")).scalar_one())
            for table in sorted(tables)}


def _table_names(conn: Connection) -> list[str]:
    if conn.dialect.name == "postgresql":
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return list(conn.execute(text(query)).scalars())


def _reference_size(session: Session, today: date) -> TamanhoBanco | None:
    """The daily size to measure growth from: the newest one at least 30 days old, else the oldest one
    (of an earlier day than today)."""
    window_start = today - timedelta(days=GROWTH_WINDOW_DAYS)
    older = session.scalar(select(TamanhoBanco).where(TamanhoBanco.dia <= window_start)
                           .order_by(TamanhoBanco.dia.desc()).limit(1))
    if older is not None:
        return older
    return session.scalar(select(TamanhoBanco).where(TamanhoBanco.dia < today)
                          .order_by(TamanhoBanco.dia).limit(1))


def status(database: Database, settings: Settings) -> DbStatus:
    size = database_size_bytes(database.engine)
    with database.engine.connect() as conn:
        tables = _table_sizes(conn)
        rows = _rows(conn, _table_names(conn))
    today = today_sao_paulo()
    with database.session() as session:
        reference = _reference_size(session, today)
    growth_mb = days = months = None
    if reference is not None:
        days = (today - reference.dia).days
        growth_mb = round((size - reference.bytes) / MIB * GROWTH_WINDOW_DAYS / days, 2)
    if settings.db_quota_mb is not None and growth_mb is not None and growth_mb > 0:
        left_mb = max(0.0, settings.db_quota_mb - size / MIB)
        months = round(left_mb / growth_mb * (GROWTH_WINDOW_DAYS / MONTH_DAYS), 1)
    return DbStatus(database=database.engine.dialect.name, size_bytes=size, size_mb=round(size / MIB, 2),
                    biggest_tables=sorted(tables, key=lambda t: -t.bytes)[:BIGGEST], rows=rows,
                    quota_mb=settings.db_quota_mb, growth_30d_mb=growth_mb, growth_measured_days=days,
                    months_left=months)
