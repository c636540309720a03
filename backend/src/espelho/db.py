"""Engine, sessions, the declarative base and the portable upsert helper.

Engines are built by `Database(...)` at startup (API lifespan, CLI command, worker init), never at import.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    case,
    create_engine,
    event,
    func,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset on its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSONB on PostgreSQL, JSON text elsewhere.
JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType}


def build_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            # WAL lets the API read while a sync writes; foreign keys are off by default in SQLite.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            dbapi_conn.create_function(SQLITE_FOLD_FUNCTION, 1, _sqlite_fold, deterministic=True)
            dbapi_conn.create_collation(PTBR_COLLATION, _sqlite_ptbr_compare)

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


class Database:
    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = build_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error. For the boundaries (CLI, tasks)."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def database_size_bytes(engine: Engine) -> int:
    """The database's size on disk: PostgreSQL's own figure (what a hosted plan's quota counts), or the
    SQLite file's pages (its -wal file, folded back at checkpoints, is not counted)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one())
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
        return pages * int(conn.exec_driver_sql("PRAGMA page_size").scalar_one())


# The accented letters of Portuguese (and their neighbours) and the letter each one folds to: the one table of
# the accent- and case-blind comparison every search makes. Both cases are listed: PostgreSQL's lower() under
# the C collation, like SQLite's, folds ASCII only.
_FOLD_LOWER = dict(zip("áàâãäåéèêëíìîïóòôõöúùûüçñý", "aaaaaaeeeeiiiiooooouuuucny", strict=True))
_FOLD = {**_FOLD_LOWER, **{k.upper(): v for k, v in _FOLD_LOWER.items()}}
_FOLD_TABLE = str.maketrans(_FOLD)
# SQLite's name of fold_text, registered on every connection (build_engine).
SQLITE_FOLD_FUNCTION = "espelho_fold"


def fold_text(text: str) -> str:
    """`text` as `folded()` sees a column: lower case, accents dropped ("AÇOUGUE São" -> "acougue sao")."""
    return text.lower().translate(_FOLD_TABLE)


def _sqlite_fold(value: str | None) -> str | None:
    return None if value is None else fold_text(value)


# pt-BR collation with numbers in natural order ("SÃO JOSÉ 7" before "SÃO JOSÉ 12", "açougue" between "abc"
# and "azul"): on PostgreSQL the ICU collation `pt-BR-u-kn-true` under this name (migration 20261207_22b), on
# SQLite `chave_ptbr` registered under the same name. Every ordering by a name goes through `em_ordem_ptbr`.
PTBR_COLLATION = "espelho_ptbr"
_DIGITS = re.compile(r"\d+")


def _natural(text: str) -> str:
    return _DIGITS.sub(lambda run: run.group().lstrip("0").rjust(20, "0"), text)


@lru_cache(maxsize=8192)
def chave_ptbr(text: str) -> tuple[str, str, str]:
    """ICU's three levels, as SQLite compares them: the letters (accents and case ignored), then the
    accents (unaccented first), then the case (lower case first); numbers by value at every level."""
    return _natural(fold_text(text)), _natural(text.lower()), _natural(text.swapcase())


def _sqlite_ptbr_compare(left: str, right: str) -> int:
    a, b = chave_ptbr(left), chave_ptbr(right)
    return (a > b) - (a < b)


def em_ordem_ptbr(column: Any) -> ColumnElement[Any]:
    """`column` compared by pt-BR collation, numbers in natural order: what a list sorted by name uses."""
    return column.collate(PTBR_COLLATION)


class folded(FunctionElement[str]):  # noqa: N801 - used like func.lower
    """`folded(column)`: the column lower-cased without accents, as the database computes it. PostgreSQL:
    `translate(lower(x), 'ÁÀ…', 'aa…')` with literal strings, so its trigram indexes on this very
    expression serve the searches (migration 20261207_22); SQLite: `fold_text` itself, registered as a
    deterministic SQL function. Every search compares with it, and accent-blind orderings sort by it."""

    type = String()
    inherit_cache = True
    name = "folded"


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: Any, **kw: Any) -> str:
    accented, plain = "".join(_FOLD), "".join(_FOLD.values())
    return f"translate(lower({compiler.process(element.clauses, **kw)}), '{accented}', '{plain}')"


@compiles(folded)
def _folded_default(element: folded, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_FOLD_FUNCTION}({compiler.process(element.clauses, **kw)})"


class days_between(FunctionElement[int]):  # noqa: N801 - used like a func.* function
    """`days_between(later, earlier)`: whole days from one date to another, negative when `later` is
    earlier. PostgreSQL subtracts dates; SQLite (dates stored as ISO text) subtracts Julian days."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"({later} - {earlier})"


@compiles(days_between)
def _days_between_default(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def contains_text(column: Any, text: str) -> ColumnElement[bool]:
    """Case- and accent-insensitive "`column` contains `text`" ("acougue" finds "AÇOUGUE"): the one way every
    search builds its LIKE. The wildcards a user types (% and _) and the escape character match themselves,
    so `q=%` finds a literal percent sign instead of everything. The ESCAPE clause is explicit: SQLite has no
    default escape character."""
    escaped = fold_text(text.strip()).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return folded(column).like(f"%{escaped}%", escape="\\")


def count_if(condition: ColumnElement[bool]) -> Any:
    """How many rows of an aggregate meet `condition` (0 for none): many counts in one statement."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# Bounds the memory of one executemany, not a database limit.
_UPSERT_CHUNK_ROWS = 5_000
# From this many rows on PostgreSQL, COPY into a scratch table beats one pipelined statement per row.
_COPY_MIN_ROWS = 1_000


def upsert(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    index_elements: Sequence[str],
    update_columns: Sequence[str] | None = None,
) -> int:
    """INSERT … ON CONFLICT (index_elements) DO UPDATE, on SQLite and PostgreSQL.

    `update_columns` defaults to every column given in the rows except the conflict keys; every row must
    have the same keys; when several rows share a key the last one wins. Returns the number of rows
    sent. Only flushes: the caller owns the transaction.

    Small batches (and SQLite) are one executemany of a single cached statement; compiling one giant
    multi-VALUES statement per batch was ~10x slower on wide rows. Large PostgreSQL batches are COPYed
    into a scratch table and merged with one INSERT … SELECT (~1.5x the rows/s; bench_contratos.py).
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    columns = list(rows[0].keys())
    to_update = [c for c in (update_columns or columns) if c not in index_elements]
    table = model.__table__
    if dialect == "postgresql" and len(rows) >= _COPY_MIN_ROWS:
        _copy_upsert(session, table, rows, columns, list(index_elements), to_update)  # type: ignore[arg-type]
        return len(rows)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)  # type: ignore[arg-type]
    if to_update:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(index_elements), set_={c: stmt.excluded[c] for c in to_update}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(index_elements))
    for start in range(0, len(rows), _UPSERT_CHUNK_ROWS):
        session.execute(stmt, list(rows[start : start + _UPSERT_CHUNK_ROWS]))
    return len(rows)


def _copy_upsert(session: Session, table: Table, rows: Sequence[dict[str, Any]], columns: list[str],
                 index_elements: list[str], to_update: list[str]) -> None:
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    # The columns' own bind processing (UTC datetimes, JSON) so COPY stores what an INSERT would.
    processors = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    # One row per key (the last), as row-by-row statements would leave it; ON CONFLICT refuses duplicates.
    latest = {tuple(row[k] for k in index_elements): row for row in rows}
    column_list = ", ".join(quote(c) for c in columns)
    action = ("DO UPDATE SET " + ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in to_update)
              if to_update else "DO NOTHING")
    stage = "espelho_upsert_stage"
    session.flush()  # the raw cursor below bypasses the ORM's autoflush
    driver_connection = session.connection().connection.driver_connection
    with driver_connection.cursor() as cursor:  # type: ignore[union-attr]
        # No constraints copied (CREATE … AS): rows may carry only some of the table's columns.
        cursor.execute(f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS "
                       f"SELECT {column_list} FROM {target} WITH NO DATA")
        with cursor.copy(f"COPY {stage} ({column_list}) FROM STDIN") as copy:
            for row in latest.values():
                copy.write_row([process(row[c]) if process else row[c]
                                for c, process in zip(columns, processors, strict=True)])
        cursor.execute(f"INSERT INTO {target} ({column_list}) SELECT {column_list} FROM {stage} "
                       f"ON CONFLICT ({', '.join(quote(k) for k in index_elements)}) {action}")
        cursor.execute(f"DROP TABLE {stage}")
