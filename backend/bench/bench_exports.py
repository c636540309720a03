"""Export benchmark: 50,000 processos as XLSX and CSV — wall time and peak memory.

    cd backend && .venv/bin/python bench/bench_exports.py [--processos 50000] [--repeat 3]

Creates a scratch PostgreSQL database (admin URL: $ESPELHO_BENCH_PG_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test), migrates it and fills it with bench_dashboard.py's
generator (empresas, processos over 24 competências, passos, obrigações). Then it runs the code path of
`GET /api/v1/processos?formato=…` (the list's filtered statement, queries.processos_select, read with
yield_per, written to a temporary file) for every process, and reports:

* wall time (best of --repeat runs, tracing off);
* peak Python memory while exporting (tracemalloc, a separate traced run);
* the process's peak RSS (ru_maxrss) before any export, after all exports, and after the contrast:
* merely loading the same 50,000 rows as ORM objects (its tracemalloc peak too).

Drops the database at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from bench_dashboard import ADMIN_URL, seed_postgresql  # type: ignore[import-not-found]
from sqlalchemy import create_engine, select, text

from espelho.acessorias.models import Processo
from espelho.acessorias.queries import ProcessoFiltros, processos_select
from espelho.db import Database
from espelho.exports.colunas import tabela
from espelho.exports.files import exportar
from espelho.harness import fresh_database_url


def export_once(database: Database, formato: str) -> int:
    """The file size of one whole-list export, made as the route makes it."""
    with database.session() as session:
        stmt = processos_select(session, ProcessoFiltros(), None)
        response = exportar(session, formato, tabela("processos"), stmt, "processos", aba="Processos")  # type: ignore[arg-type]
    path = str(response.path)
    try:
        size = os.path.getsize(path)
    finally:
        os.unlink(path)
    return size


def timed(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def traced(fn: Callable[[], object]) -> float:
    """The tracemalloc peak (MiB) of one run."""
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def peak_rss() -> float:
    """The process's peak resident set so far, MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processos", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from espelho import migrate

    with fresh_database_url("postgresql", Path(tempfile.gettempdir()), ADMIN_URL) as url:
        migrate.upgrade(url)
        engine = create_engine(url)
        with engine.begin() as conn:
            seed_postgresql(conn, args.processos)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()
        database = Database(url)
        try:
            with database.session() as session:
                total = session.scalar(select(text("count(*)")).select_from(Processo)) or 0
            print(f"processos: {total:,}  (PostgreSQL, python {sys.version.split()[0]})")
            baseline = peak_rss()
            print(f"{'format':<8}{'file':>12}{'best wall':>12}{'peak py mem':>14}")
            for formato in ("xlsx", "csv"):
                size = export_once(database, formato)  # warm-up (and the file size)
                wall = timed(lambda f=formato: export_once(database, f), args.repeat)  # type: ignore[misc]
                peak = traced(lambda f=formato: export_once(database, f))  # type: ignore[misc]
                print(f"{formato:<8}{size / 2**20:>10.1f}MB{wall:>11.2f}s{peak:>12.1f}MB")
            after_exports = peak_rss()

            def orm_load() -> None:
                with database.session() as session:
                    rows = list(session.scalars(select(Processo)))
                    assert len(rows) == total

            peak = traced(orm_load)
            print(f"contrast: {total:,} ORM objects loaded at once: peak py mem {peak:.1f} MB")
            print(
                f"process peak RSS: {baseline:.0f} MB before the exports, {after_exports:.0f} MB after them, "
                f"{peak_rss():.0f} MB after the ORM load"
            )
        finally:
            database.dispose()


if __name__ == "__main__":
    main()
