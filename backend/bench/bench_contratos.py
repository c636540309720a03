"""Comprasnet mirror benchmark: base sync (one call) next to the eager design, and upsert throughput.

    cd backend && .venv/bin/python bench/bench_contratos.py  # full run (UASG of 2,000 instruments)
    cd backend && .venv/bin/python bench/bench_contratos.py --quick  # 500-instrument UASG, fewer upsert rows

Starts its own Comprasnet simulator in a thread (100 ms per call by default), uses temporary SQLite
files and a scratch PostgreSQL database (created from ESPELHO_BENCH_PG_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test, and dropped afterwards). Prints a table of figures;
it asserts nothing about timing.
"""

from __future__ import annotations

import argparse
import contextvars
import json
import os
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, func, select

from espelho.clock import now_utc
from espelho.config import Settings
from espelho.contratos.abas import ABAS
from espelho.contratos.client import ComprasnetClient
from espelho.contratos.models import Contrato, Uasg
from espelho.contratos.sync import fit_row, run_uasg_sync, sync_aba
from espelho.contratos.upstream import UpstreamContrato
from espelho.db import Database, upsert
from espelho.harness import migrated_database_url, running_simulator
from espelho.logging_setup import configure_logging
from espelho.simulator.comprasnet import BIG_UASG
from espelho.upstream.http import counting_calls

PG_ADMIN_URL = os.environ.get("ESPELHO_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def simulator(latency_ms: float, list_delay_s: float) -> Iterator[str]:
    with running_simulator(seed=42, latency_ms=latency_ms, list_delay_s=list_delay_s) as sim:
        yield sim.comprasnet_url


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[Database]:
    with migrated_database_url(kind, tmp, PG_ADMIN_URL) as url:
        db = Database(url)
        try:
            yield db
        finally:
            db.dispose()


def bench_settings(db: Database, base_url: str) -> Settings:
    # No client-side throttle here: the run measures the design, not our politeness (see the notes).
    return Settings(
        database_url=db.url,
        comprasnet_base_url=base_url,
        comprasnet_rate_limit=1_000_000,
        demo_mode=True,
        _env_file=None,
    )  # type: ignore[call-arg]


def base_sync(db: Database, settings: Settings, client: ComprasnetClient, uasg: str) -> dict[str, Any]:
    started = time.perf_counter()
    stats = run_uasg_sync(db, settings, uasg, client=client)
    return {
        "calls": stats.api_calls,
        "wall_s": time.perf_counter() - started,
        "contracts": stats.contratos_processados,
        "received": stats.contratos_recebidos,
    }


def eager_sync(
    db: Database, settings: Settings, client: ComprasnetClient, uasg: str, workers: int
) -> dict[str, Any]:
    """The old design: the list, then the four tabs of every kept contract, stored; same client."""
    started = time.perf_counter()
    with counting_calls() as calls:
        run_uasg_sync(db, settings, uasg, client=client)
        with db.session() as session:
            ids = list(session.scalars(select(Contrato.id).where(Contrato.uasg_codigo == uasg)))

        def one(contrato_id: int, aba: str) -> int:
            with db.session() as session:
                return sync_aba(session, settings, contrato_id, aba, client=client).registros

        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(contextvars.copy_context().run, one, cid, aba) for cid in ids for aba in ABAS
            ]
            rows = sum(f.result() for f in futures)
    return {
        "calls": calls.calls,
        "wall_s": time.perf_counter() - started,
        "contracts": len(ids),
        "tab_rows": rows,
    }


def contract_rows(base_url: str, uasg: str, count: int) -> list[dict[str, Any]]:
    """`count` realistic contract rows (raw_json included), re-keyed copies of a simulated UASG list."""
    records = httpx.get(f"{base_url}/contrato/ug/{uasg}", timeout=300).json()
    parsed = [(r, fit_row(Contrato, UpstreamContrato.model_validate(r).row())) for r in records]
    now = now_utc()
    rows = []
    for n in range(count):
        record, row = parsed[n % len(parsed)]
        rows.append(
            {
                **row,
                "id": 10**11 + n,
                "uasg_codigo": uasg,
                "raw_json": record,
                "listado_em": now,
                "criado_em": now,
            }
        )
    return rows


def upsert_rate(
    db: Database, rows: list[dict[str, Any]], uasg: str, repeat: int = 1
) -> dict[str, float]:
    """Rows/s of one transaction inserting `rows`, then of one updating them all (the re-sync case).

    With `repeat` > 1 the best of the runs is kept: on a shared machine the best run is the one least
    disturbed by other processes.
    """
    update_cols = [c for c in rows[0] if c not in ("id", "criado_em")]
    best = {"insert": 0.0, "update": 0.0}
    for _ in range(repeat):
        with db.session() as session:
            upsert(session, Uasg, [{"codigo": uasg, "criado_em": now_utc()}], index_elements=["codigo"])
            session.execute(delete(Contrato))
        for phase in ("insert", "update"):
            started = time.perf_counter()
            with db.session() as session:
                upsert(session, Contrato, rows, index_elements=["id"], update_columns=update_cols)
            best[phase] = max(best[phase], len(rows) / (time.perf_counter() - started))
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(Contrato)) == len(rows)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="500-instrument UASG and 5,000 upsert rows")
    parser.add_argument("--uasg", default=None, help=f"UASG to sync (default {BIG_UASG}, 2,000 instruments)")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="Simulator latency per call")
    parser.add_argument(
        "--list-delay-s",
        type=float,
        default=0.0,
        help="Extra first-byte delay of the biggest list (real upstream: 45-55 s)",
    )
    parser.add_argument("--workers", type=int, default=8, help="Parallel calls of the eager design")
    parser.add_argument("--upsert-rows", type=int, default=None, help="Rows per upsert measurement")
    parser.add_argument("--repeat", type=int, default=3, help="Upsert runs per database (best is kept)")
    parser.add_argument("--skip-eager", action="store_true")
    args = parser.parse_args()
    uasg = args.uasg or ("200500" if args.quick else BIG_UASG)
    upsert_rows = args.upsert_rows or (5_000 if args.quick else 20_000)
    configure_logging("WARNING")

    figures: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp_dir, simulator(args.latency_ms, args.list_delay_s) as base_url:
        tmp = Path(tmp_dir)
        with database("sqlite", tmp) as db:
            settings = bench_settings(db, base_url)
            client = ComprasnetClient(settings)
            base = base_sync(db, settings, client, uasg)
            client.close()
        figures += [
            ("UASG / instruments in its list", f"{uasg} / {base['received']}"),
            ("Contracts kept (vigência rule)", f"{base['contracts']}"),
            ("Base sync: upstream calls", f"{base['calls']}"),
            ("Base sync: wall time", f"{base['wall_s']:.2f} s"),
        ]
        if not args.skip_eager:
            with database("sqlite", tmp) as db:
                settings = bench_settings(db, base_url)
                client = ComprasnetClient(settings)
                eager = eager_sync(db, settings, client, uasg, args.workers)
                client.close()
            serial_s = eager["calls"] * args.latency_ms / 1000
            default_limit_min = eager["calls"] / Settings.model_fields["comprasnet_rate_limit"].default
            figures += [
                ("Eager design: upstream calls (1 + 4 x kept)", f"{eager['calls']}"),
                (f"Eager design: wall time ({args.workers} in flight)", f"{eager['wall_s']:.1f} s"),
                ("Eager design: latency alone, one call at a time", f"{serial_s:.0f} s"),
                ("Eager design: at the default 300 calls/min limit", f"{default_limit_min:.1f} min"),
                ("Eager design: tab rows stored", f"{eager['tab_rows']}"),
                ("Calls saved by loading tabs on demand", f"{eager['calls'] - base['calls']}"),
            ]
        rows = contract_rows(base_url, uasg, upsert_rows)
        size_kb = sum(len(json.dumps(r["raw_json"])) for r in rows[:500]) / 500 / 1024
        for kind in ("sqlite", "postgresql"):
            try:
                with database(kind, tmp) as db:
                    rate = upsert_rate(db, rows, uasg, args.repeat)
                figures += [
                    (
                        f"Upsert {kind}: contracts inserted/s ({len(rows)} rows, best of {args.repeat})",
                        f"{rate['insert']:,.0f}",
                    ),
                    (
                        f"Upsert {kind}: contracts updated/s ({len(rows)} rows, best of {args.repeat})",
                        f"{rate['update']:,.0f}",
                    ),
                ]
            except Exception as exc:  # a missing PostgreSQL should not hide the other figures
                figures.append((f"Upsert {kind}", f"skipped: {exc.__class__.__name__}: {exc}"[:80]))
        figures.append(("Contract row raw_json (average)", f"{size_kb:.1f} KB"))

    width = max(len(name) for name, _ in figures)
    print(
        f"\nComprasnet mirror benchmark (simulator at {args.latency_ms:.0f} ms per call, "
        f"list first-byte delay {args.list_delay_s:.0f} s)\n"
    )
    print(f"| {'Figure'.ljust(width)} | Value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in figures:
        print(f"| {name.ljust(width)} | {value} |")


if __name__ == "__main__":
    main()
