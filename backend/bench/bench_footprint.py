"""Footprint benchmark: will the big office fit a free plan (PostgreSQL 500 MB, a 512 MB web instance)?

    cd backend && .venv/bin/python bench/bench_footprint.py [--db postgresql|sqlite] [--months 12]
        [--part all|database|logins]

Database (`--part database`), on a scratch database (PostgreSQL admin URL: $ESPELHO_BENCH_PG_URL):

1. The simulator's big office (500 empresas, ~5,000 processos over four months) mirrored by a real full
   sync, through the real client over loopback (the simulator runs in this process, rate limit lifted).
2. A second full sync of the same, unchanged data: the processo rows it UPDATEd (PostgreSQL: rows whose
   `xmin` moved, and `pg_stat_user_tables.n_tup_upd`; SQLite: an AFTER UPDATE trigger) and the size
   before and after.
3. A year of simulated months, the clock moved by time-machine (this process and the simulator share it):
   on each month's 1st the office opens the month (every company's monthly processes, one per template of
   its regime, ~1,200, and its obligations of the competência, ~1,100); every day its steps get done
   (enough for the month's processes to finish), deliveries delivered and a few become overdue, and one
   real incremental sync at 09:00 mirrors the day's changes, with its change history. The default
   cadence is an incremental every 15 minutes: the other 95 runs of each day find nothing new, so they
   are written as such a run writes itself (a copy of a real no-change incremental's row, at its slot).
   The daily jobs run as scheduled: metrics and the day's report at 00:00, retention and the day's size
   at 03:30 (ESPELHO_RETENCAO_* defaults: 400 days of history, 90 days of runs). On a PostgreSQL server
   without autovacuum (`autovacuum = off`, as on this project's test machines), a plain VACUUM (ANALYZE)
   after each day does its work: without it dead row versions pile up as no hosted plan lets them.
4. The size at the end of every month, per table; the projection to 60 months: tables kept by a
   retention grow until their retention (then stay), the mirror's own tables grow at their average
   monthly growth of the last six months. The naive line (every table growing as in the last six months,
   retention ignored) is printed too.

Logins (`--part logins`): `espelho serve` (a real uvicorn process, its own database) answers bursts of
20 concurrent logins over HTTP: right passwords, wrong passwords (unknown emails), a user whose hash
still has argon2-cffi's old 64 MiB parameters, then five more bursts; the server's resident memory at
rest and its peak (`VmHWM` of /proc/<pid>/status), with the default ESPELHO_PASSWORD_HASH_CONCURRENCY
and, for contrast, with the bound lifted (20).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import time_machine
from argon2 import PasswordHasher
from sqlalchemy import func, insert, select, text

from espelho import migrate
from espelho.acessorias.sync import run_sync
from espelho.acessorias.tasks import calcular_metricas_diarias
from espelho.auth import service as auth_service
from espelho.clock import SAO_PAULO
from espelho.config import Settings
from espelho.db import Database, database_size_bytes
from espelho.harness import free_port, fresh_database_url, running_simulator
from espelho.jobs.registry import JobContext
from espelho.logging_setup import configure_logging
from espelho.retencao.tasks import aplicar
from espelho.syncs.models import Sincronizacao

BACKEND = Path(__file__).resolve().parents[1]
ESPELHO = BACKEND / ".venv" / "bin" / "espelho"
PG_ADMIN = os.environ.get("ESPELHO_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# The free plan has Redis too (25 MB): the rate window lives there, not in `rate_limit_slots`, whose churn
# at a lifted limit (thousands of calls a minute, none at the real 80) would only measure the benchmark.
# Database 5: the tests take 8–15 and clear their limiter keys, which must not meet these.
REDIS = os.environ.get("ESPELHO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
MIB = 1024 * 1024
SLOTS_PER_DAY = 96  # an incremental every 15 minutes (ESPELHO_SCHEDULE_ACESSORIAS_INCREMENTAL)
STEPS_PER_PROCESS = 6.5  # the simulator's templates: 4–8 status-bearing steps
PROJECTION_MONTHS = 60
# Tables whose rows a retention bounds: the months until they stop growing (history 400 days, runs 90,
# the last 30 daily reports, the sizes with the history). The rest of the mirror grows with the office.
# The step trees go with the history once their process is concluded (the month it opens, here) and its
# detail unchanged that long: they stop growing a month later than the history.
RETAINED_MONTHS = {"alteracoes": 400 / 30.4, "sincronizacoes": 90 / 30.4, "relatorios": 1.0,
                   "tamanhos_banco": 400 / 30.4, "passos": 400 / 30.4 + 1, "desdobramentos": 400 / 30.4 + 1}
SECRET = "bench-footprint-secret-key-0123456789-abcdef"


def say(message: str) -> None:
    print(message, flush=True)


# --- database --------------------------------------------------------------------------------------------
def table_sizes(database: Database) -> dict[str, int]:
    """Each table with its indexes (and TOAST), in bytes."""
    with database.engine.connect() as conn:
        if database.engine.dialect.name == "postgresql":
            return {name: int(size) for name, size in conn.execute(text(
                "SELECT relname, pg_total_relation_size(relid) FROM pg_stat_user_tables"))}
        pages = {name: int(size) for name, size in conn.execute(
            text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))}
        owner = dict(conn.execute(text(
            "SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")).all())
        sizes: dict[str, int] = {}
        for name, size in pages.items():
            table = owner.get(name, name)
            sizes[table] = sizes.get(table, 0) + size
        return sizes


def autovacuum_off(database: Database) -> bool:
    """Whether this PostgreSQL server runs without autovacuum (a test machine's setting; hosted plans keep
    it on): dead row versions would then pile up as they never do in production."""
    if database.engine.dialect.name != "postgresql":
        return False
    with database.engine.connect() as conn:
        return conn.execute(text("SHOW autovacuum")).scalar_one() == "off"


def vacuum(database: Database) -> None:
    """What autovacuum does over a day: dead row versions become free space that new rows reuse (a plain
    VACUUM, which gives nothing back to the disk), and fresh statistics."""
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))


def settle(database: Database) -> None:
    """Let PostgreSQL's cumulative statistics catch up (they are flushed about once a second)."""
    if database.engine.dialect.name == "postgresql":
        time.sleep(1.5)
        with database.engine.connect() as conn:
            conn.execute(text("SELECT pg_stat_force_next_flush()"))


@contextmanager
def counting_processo_updates(database: Database) -> Iterator[dict[str, int]]:
    counted: dict[str, int] = {}
    if database.engine.dialect.name == "postgresql":
        def versions() -> dict[int, str]:
            with database.engine.connect() as conn:
                return dict(conn.execute(text("SELECT id, xmin::text FROM processos")).all())

        def n_tup_upd() -> int:
            settle(database)
            with database.engine.connect() as conn:
                return int(conn.execute(text(
                    "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'processos'")).scalar_one())

        before, upd_before = versions(), n_tup_upd()
        yield counted
        after, upd_after = versions(), n_tup_upd()
        counted["xmin_moved"] = sum(1 for i, x in before.items() if after.get(i, x) != x)
        counted["n_tup_upd"] = upd_after - upd_before
        return
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_updates (row_id INTEGER)"))
        conn.execute(text("CREATE TRIGGER bench_updates AFTER UPDATE ON processos BEGIN "
                          "INSERT INTO bench_updates VALUES (new.id); END"))
    yield counted
    with database.engine.begin() as conn:
        counted["trigger"] = int(conn.execute(text("SELECT count(*) FROM bench_updates")).scalar_one())
        conn.execute(text("DROP TRIGGER bench_updates"))
        conn.execute(text("DROP TABLE bench_updates"))


@dataclass
class Month:
    index: int
    day: date
    size: int
    tables: dict[str, int]
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # mean wall time of the daily runs


COUNTED = ("processos", "passos", "desdobramentos", "obrigacoes", "alteracoes", "sincronizacoes")


def counts(database: Database) -> dict[str, int]:
    with database.session() as session:
        return {table: int(session.scalar(select(func.count()).select_from(text(table))) or 0)
                for table in COUNTED}


def add_month(when: date, months: int) -> date:
    total = when.year * 12 + when.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def sao_paulo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SAO_PAULO)


def timed(seconds: Counter[str], what: str, fn: Callable[..., Any], *args: Any) -> Any:
    began = time.perf_counter()
    try:
        return fn(*args)
    finally:
        seconds[what] += time.perf_counter() - began


def quiet_runs(database: Database, template: Sincronizacao, day: date, taken: set[int]) -> None:
    """The day's other incrementals: each finds nothing new and records itself as `template` did."""
    rows = []
    for slot in range(SLOTS_PER_DAY):
        if slot in taken:
            continue
        started = sao_paulo(day, 0) + timedelta(minutes=15 * slot)
        rows.append({"origem": template.origem, "tipo": template.tipo, "escopo": template.escopo,
                     "status": template.status, "total_processos": template.total_processos,
                     "processos_novos": 0, "processos_atualizados": 0, "processos_removidos": 0,
                     "tempo_execucao": template.tempo_execucao, "api_calls": template.api_calls,
                     "estatisticas": template.estatisticas, "iniciada_em": started,
                     "concluida_em": started + timedelta(seconds=template.tempo_execucao or 1),
                     "heartbeat_em": started + timedelta(seconds=template.tempo_execucao or 1)})
    with database.session() as session:
        session.execute(insert(Sincronizacao), rows)


TOKENS = {"big": "big-token", "small": "test-token", "tiny": "tiny-token"}


def database_part(kind: str, months: int, office: str, days_limit: int | None, redis_url: str | None) -> None:
    configure_logging("WARNING", False)
    # The office as the simulator builds it on the last day of this month (its last four months of
    # processes); the simulated months start the next day.
    start = add_month(date.today(), 1) - timedelta(days=1)
    with (
        tempfile.TemporaryDirectory() as tmp,
        fresh_database_url(kind, Path(tmp), PG_ADMIN) as url,
        time_machine.travel(sao_paulo(start, 6), tick=True) as clock,
        running_simulator(seed=42, latency_ms=0.0, list_delay_s=0.0, rate_limit=1_000_000) as sim,
    ):
        migrate.upgrade(url)
        settings = Settings(database_url=url, acessorias_base_url=sim.acessorias_url,
                            acessorias_token=TOKENS[office], acessorias_rate_limit=1_000_000, demo_mode=True,
                            secret_key=SECRET, scheduler_enabled=False, log_level="WARNING",
                            redis_url=redis_url, redis_key_prefix=f"espelho-bench-{uuid.uuid4().hex[:8]}:",
                            _env_file=None)  # type: ignore[call-arg]
        database = Database(url)
        ctx = JobContext(settings, database)
        control = httpx.Client(base_url=f"{sim.acessorias_url}/_control", timeout=600)

        def advance(**changes: int) -> dict[str, list[int]]:
            response = control.post("/advance", json={"token": TOKENS[office], **changes})
            response.raise_for_status()
            return response.json()

        say(f"{kind}: the {office} office, full sync (clock at {start})…")
        began = time.perf_counter()
        full = run_sync(database, settings, "FULL")
        settle(database)
        first = database_size_bytes(database.engine)
        say(f"  full sync: {full.total_processos} processos, {full.api_calls} upstream calls, "
            f"{time.perf_counter() - began:.0f} s; database {first / MIB:.1f} MiB")
        tables_before = table_sizes(database)
        with counting_processo_updates(database) as updated:
            again = run_sync(database, settings, "FULL")
        settle(database)
        second = database_size_bytes(database.engine)
        grew = {t: b - tables_before.get(t, 0) for t, b in table_sizes(database).items()}
        say(f"  second full sync of unchanged data: processo rows updated {updated} "
            f"(inalterados {again.inalterados}/{again.total_processos}); database {second / MIB:.1f} MiB "
            f"({(second - first) / first:+.1%}; grew: "
            + ", ".join(f"{t} {b / MIB:+.2f}" for t, b in sorted(grew.items(), key=lambda i: -i[1])[:4] if b)
            + ")")

        stand_in = autovacuum_off(database)
        if stand_in:
            say("  this server runs without autovacuum: a plain VACUUM (ANALYZE) after each day stands in")
        history = [Month(0, start, second, table_sizes(database), counts(database))]
        template: Sincronizacao | None = None
        for month in range(1, months + 1):
            first_day = add_month(start, month)
            days = (add_month(first_day, 1) - first_day).days
            clock.move_to(sao_paulo(first_day, 8))
            opened = advance(months_opened=1)
            new = len(opened["processes_created"])
            steps_a_day = math.ceil(new * STEPS_PER_PROCESS * 1.15 / days)
            deliveries_a_day = math.ceil(len(opened.get("deliveries_created", [])) * 0.95 / days)
            seconds: Counter[str] = Counter()  # per kind of daily run, summed over the month
            simulated = min(days, days_limit or days)
            for offset in range(simulated):
                day = first_day + timedelta(days=offset)
                clock.move_to(sao_paulo(day, 0, 1))
                timed(seconds, "metricas", calcular_metricas_diarias, ctx)
                clock.move_to(sao_paulo(day, 3, 30))
                timed(seconds, "retencao", aplicar, ctx)
                clock.move_to(sao_paulo(day, 8, 55))
                advance(steps_completed=steps_a_day, deliveries_changed=deliveries_a_day,
                        deliveries_overdue=1 + offset % 3)
                clock.move_to(sao_paulo(day, 9))
                taken = {36}
                timed(seconds, "incremental", run_sync, database, settings, "INCREMENTAL")
                if template is None:
                    clock.move_to(sao_paulo(day, 9, 15))
                    quiet = run_sync(database, settings, "INCREMENTAL")
                    with database.session() as session:
                        template = session.get(Sincronizacao, quiet.run_id)
                    taken.add(37)
                assert template is not None
                quiet_runs(database, template, day, taken)
                if stand_in:
                    timed(seconds, "vacuum", vacuum, database)
            settle(database)
            history.append(Month(month, first_day, database_size_bytes(database.engine),
                                 table_sizes(database), counts(database),
                                 {k: v / simulated for k, v in seconds.items()}))
            last = history[-1]
            say(f"  month {month:2d} ({first_day:%m/%Y}): {last.size / MIB:6.1f} MiB — "
                + ", ".join(f"{k} {v:,}" for k, v in last.rows.items())
                + "; daily runs " + ", ".join(f"{k} {v:.1f} s" for k, v in last.seconds.items()))
        control.close()
        report(kind, history, updated, first, second)
        say(f"after VACUUM FULL (what the rows take without free space): {compacted(database) / MIB:.1f} MiB")
        database.dispose()


def compacted(database: Database) -> int:
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM FULL" if database.engine.dialect.name == "postgresql" else "VACUUM"))
    return database_size_bytes(database.engine)


def project(history: list[Month], *, by_rows: bool = False) -> tuple[float, float]:
    """(retention-aware, naive) size at PROJECTION_MONTHS months, in bytes. `by_rows`: a table whose rows are
    counted grows at least by its new rows times its bytes per row at the end (early months fill the free
    space the full sync left in pages, so their slope alone can be too low)."""
    last = history[-1]
    window = history[-7:] if len(history) >= 7 else history
    span = window[-1].index - window[0].index
    total_slope = (window[-1].size - window[0].size) / span
    naive = last.size + total_slope * (PROJECTION_MONTHS - last.index)
    projected = float(last.size)
    for table, size in last.tables.items():
        slope = (size - window[0].tables.get(table, 0)) / span
        if by_rows and last.rows.get(table):
            new_rows = (last.rows[table] - window[0].rows.get(table, 0)) / span
            slope = max(slope, size / last.rows[table] * new_rows)
        grows_until = RETAINED_MONTHS.get(table, PROJECTION_MONTHS)
        projected += max(0.0, slope) * max(0.0, min(grows_until, PROJECTION_MONTHS) - last.index)
    return projected, naive


def report(kind: str, history: list[Month], updated: dict[str, int], first: int, second: int) -> None:
    say("")
    say(f"{kind}: database size per simulated month (MiB; the five biggest tables at the end)")
    biggest = sorted(history[-1].tables, key=lambda t: -history[-1].tables[t])[:5]
    say("month  competência  total  " + "  ".join(f"{t:>14}" for t in biggest))
    for m in history:
        say(f"{m.index:5d}  {m.day:%m/%Y}    {m.size / MIB:6.1f}  "
            + "  ".join(f"{m.tables.get(t, 0) / MIB:14.1f}" for t in biggest))
    if len(history) > 2:
        projected, naive = project(history)
        say(f"projection to {PROJECTION_MONTHS} months: {projected / MIB:.0f} MiB "
            f"({projected / 1e6:.0f} MB); naive, retention ignored: {naive / MIB:.0f} MiB")
        by_rows, _naive = project(history, by_rows=True)
        say(f"  counting every new row of {', '.join(COUNTED)} at its table's bytes per row at the end: "
            f"{by_rows / MIB:.0f} MiB ({by_rows / 1e6:.0f} MB)")
    say(f"second full sync of unchanged data: processo rows updated {updated}; size {first / MIB:.1f} → "
        f"{second / MIB:.1f} MiB ({(second - first) / first:+.1%})")


# --- logins ----------------------------------------------------------------------------------------------
def memory(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (the peak since start), in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values


@contextmanager
def serve(database_url: str, **env: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    process = subprocess.Popen(
        [str(ESPELHO), "serve", "--port", str(port)], cwd=BACKEND,
        env={**os.environ, "ESPELHO_DATABASE_URL": database_url, "ESPELHO_SECRET_KEY": SECRET,
             "ESPELHO_SCHEDULER_ENABLED": "false", "ESPELHO_LOG_LEVEL": "WARNING", **env})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("espelho serve did not start")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def burst(base: str, bodies: list[dict[str, str]]) -> Counter[int]:
    """The logins all at once, each on its own connection."""
    def login(body: dict[str, str]) -> int:
        with httpx.Client(timeout=120) as client:
            return client.post(f"{base}/api/v1/auth/login", json=body).status_code

    with ThreadPoolExecutor(len(bodies)) as pool:
        return Counter(pool.map(login, bodies))


def logins_part(kind: str, concurrent: int) -> None:
    configure_logging("WARNING", False)
    rows = []
    right = {"email": "bench@example.com", "password": "bench-password-123"}
    old = {"email": "antiga@example.com", "password": "bench-password-123"}
    for bound in ("2", str(concurrent)):
        with tempfile.TemporaryDirectory() as tmp, fresh_database_url(kind, Path(tmp), PG_ADMIN) as url:
            migrate.upgrade(url)
            database = Database(url)
            with database.session() as session:
                auth_service.create_user(session, email=right["email"], password=right["password"],
                                         role="ADMIN")
                user = auth_service.create_user(session, email=old["email"], password=old["password"])
                user.senha_hash = PasswordHasher().hash(old["password"])  # argon2-cffi's 64 MiB default
            database.dispose()
            with serve(url, ESPELHO_PASSWORD_HASH_CONCURRENCY=bound) as (base, pid):
                burst(base, [right])  # warmed up: imports, pools
                idle = memory(pid)["VmRSS"]
                answers: Counter[int] = Counter()
                answers += burst(base, [right] * concurrent)
                answers += burst(base, [{"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com",
                                         "password": "wrong-password"} for _ in range(concurrent)])
                for _ in range(5):
                    answers += burst(base, [right] * concurrent)
                today = memory(pid)
                old_answers = burst(base, [old] * concurrent)
                after = memory(pid)
            rows.append((bound, idle, today["VmHWM"], after["VmHWM"], after["VmRSS"], answers, old_answers))
            say(f"  ESPELHO_PASSWORD_HASH_CONCURRENCY={bound}: idle {idle / MIB:.0f} MiB, peak "
                f"{today['VmHWM'] / MIB:.0f} MiB, with old hashes {after['VmHWM'] / MIB:.0f} MiB")
    say("")
    say(f"{kind}: API process memory (RSS) under bursts of {concurrent} concurrent logins: 1 right, 1 wrong, "
        "5 right; then 1 burst of a user whose hash is still argon2-cffi's old 64 MiB one")
    say("hash bound  idle MiB  peak MiB  answers                      old-hash peak MiB  after MiB  answers")
    for bound, idle, peak, old_peak, after, answers, old_answers in rows:
        say(f"{bound:>10}  {idle / MIB:8.0f}  {peak / MIB:8.0f}  {_answers(answers):27}  "
            f"{old_peak / MIB:17.0f}  {after / MIB:9.0f}  {_answers(old_answers)}")


def _answers(answers: Counter[int]) -> str:
    return ", ".join(f"{n}× {status}" for status, n in sorted(answers.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--part", choices=["all", "database", "logins"], default="all")
    parser.add_argument("--logins", type=int, default=20, help="concurrent logins per burst")
    parser.add_argument("--office", choices=sorted(TOKENS), default="big", help="the simulator's office")
    parser.add_argument("--days", type=int, help="only the first N days of each month (a quick look)")
    parser.add_argument("--no-redis", action="store_true",
                        help="keep the rate window in the database (rate_limit_slots), as without Redis")
    args = parser.parse_args()
    say(f"bench_footprint: {args.db}, {os.cpu_count()} CPU cores, load average "
        f"{os.getloadavg()[0]:.1f}, python {sys.version.split()[0]}")
    if args.part in ("all", "logins"):
        logins_part(args.db, args.logins)
    if args.part in ("all", "database"):
        database_part(args.db, args.months, args.office, args.days, None if args.no_redis else REDIS)


if __name__ == "__main__":
    main()
