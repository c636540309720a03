"""Scale-out benchmark: base sync of 200 UASGs by 1, 2 and 4 Celery worker processes.

    cd backend && .venv/bin/python bench/bench_scaleout.py [--uasgs 200] [--workers 1,2,4]
        [--latency-ms 100] [--list-delay-s 5] [--comprasnet-rate-limit 1000]

Starts `espelho simulate` (latency per call; slow first byte of a UASG list scaled by its size,
--list-delay-s for the biggest, 2,000 instruments) in a subprocess, migrates a scratch PostgreSQL database,
uses its own Redis database number and key prefix on 127.0.0.1:6379. For each worker count: empties the
tables, starts N `espelho worker --concurrency 1` processes, sends one `contratos.sync_uasg` task per UASG
(as beat does), and waits for every run to be recorded as finished. Prints wall time, upstream calls
(counted by the simulator), runs OK / failed and contracts stored.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx

BACKEND = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BACKEND / "src"))
ESPELHO = str(BACKEND / ".venv" / "bin" / "espelho")
PG_ADMIN = os.environ.get("ESPELHO_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("ESPELHO_BENCH_REDIS", "redis://127.0.0.1:6379")


def wait_until(predicate, timeout_s: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uasgs", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--list-delay-s", type=float, default=5.0)
    parser.add_argument("--comprasnet-rate-limit", type=int, default=1000)
    args = parser.parse_args()

    import redis
    from sqlalchemy import func, select
    from tests.helpers import empty_all_tables

    from espelho.config import Settings
    from espelho.contratos.models import Contrato
    from espelho.db import Database
    from espelho.harness import free_port, migrated_database_url
    from espelho.syncs.models import Sincronizacao
    from espelho.jobs.worker import configure_celery

    tmp = Path(tempfile.mkdtemp(prefix="espelho-bench-scaleout-"))
    port = free_port()
    sim_base = f"http://127.0.0.1:{port}"
    sim = subprocess.Popen(
        [
            ESPELHO,
            "simulate",
            "--port",
            str(port),
            "--latency-ms",
            str(args.latency_ms),
            "--list-delay-s",
            str(args.list_delay_s),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    scratch = ExitStack()
    db_url = scratch.enter_context(migrated_database_url("postgresql", tmp, PG_ADMIN))
    redis_url = f"{REDIS}/{random.randint(8, 15)}"
    prefix = f"espelho-bench-{uuid.uuid4().hex[:8]}:"
    workers: list[subprocess.Popen[bytes]] = []
    try:
        database = Database(db_url)
        wait_until(lambda: _up(f"{sim_base}/comprasnet/_control/stats"), 30, "the simulator")
        settings = Settings(
            database_url=db_url,
            redis_url=redis_url,
            redis_key_prefix=prefix,
            demo_mode=True,
            comprasnet_base_url=f"{sim_base}/comprasnet/api",
            comprasnet_rate_limit=args.comprasnet_rate_limit,
            log_level="WARNING",
            _env_file=None,
        )  # type: ignore[call-arg]
        env = {
            **os.environ,
            "ESPELHO_DATABASE_URL": db_url,
            "ESPELHO_REDIS_URL": redis_url,
            "ESPELHO_REDIS_KEY_PREFIX": prefix,
            "ESPELHO_DEMO_MODE": "true",
            "ESPELHO_LOG_LEVEL": "WARNING",
            "ESPELHO_COMPRASNET_BASE_URL": settings.comprasnet_base_url,
            "ESPELHO_COMPRASNET_RATE_LIMIT": str(args.comprasnet_rate_limit),
        }
        app = configure_celery(settings)
        rng = random.Random(7)
        codes = sorted({f"{rng.randrange(100000, 999999)}" for _ in range(args.uasgs * 2)})[: args.uasgs]
        print(
            f"{args.uasgs} UASGs, simulator latency {args.latency_ms:.0f} ms, "
            f"list delay {args.list_delay_s} s "
            f"for 2,000 instruments, Comprasnet limit {args.comprasnet_rate_limit}/min shared through Redis, "
            f"PostgreSQL, {os.cpu_count()} CPU cores\n"
        )
        print(
            f"{'workers':>7} {'wall s':>8} {'UASG/s':>7} {'upstream calls':>15} {'runs ok':>8} "
            f"{'failed':>7} {'contratos':>10}"
        )
        for count in [int(n) for n in args.workers.split(",")]:
            empty_all_tables(database)
            redis.Redis.from_url(redis_url).delete("espelho:ratelimit:comprasnet")
            workers = [
                subprocess.Popen(
                    [ESPELHO, "worker", "--concurrency", "1", "--loglevel", "warning"],
                    env=env,
                    cwd=tmp,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
                for _ in range(count)
            ]
            wait_until(lambda n=count: len(app.control.ping(timeout=0.5) or []) >= n, 120, "the workers")
            httpx.post(f"{sim_base}/comprasnet/_control/reset")
            calls_before = httpx.get(f"{sim_base}/comprasnet/_control/stats").json().get("requests", 0)
            started = time.perf_counter()
            for code in codes:
                app.send_task("contratos.sync_uasg", kwargs={"uasg": code}, queue=settings.celery_queue)

            def finished() -> int:
                with database.session() as session:
                    return (
                        session.scalar(
                            select(func.count())
                            .select_from(Sincronizacao)
                            .where(Sincronizacao.status != "INICIADA")
                        )
                        or 0
                    )

            wait_until(lambda: finished() >= len(codes), 3600, "every run")
            wall = time.perf_counter() - started
            calls = (
                httpx.get(f"{sim_base}/comprasnet/_control/stats").json().get("requests", 0) - calls_before
            )
            with database.session() as session:
                ok = (
                    session.scalar(
                        select(func.count())
                        .select_from(Sincronizacao)
                        .where(Sincronizacao.status == "CONCLUIDA")
                    )
                    or 0
                )
                contratos = session.scalar(select(func.count()).select_from(Contrato)) or 0
            print(
                f"{count:>7} {wall:>8.1f} {len(codes) / wall:>7.2f} {calls:>15} {ok:>8} {len(codes) - ok:>7} "
                f"{contratos:>10}",
                flush=True,
            )
            _stop(workers)
            workers = []
        database.dispose()
    finally:
        _stop(workers)
        _stop([sim])
        scratch.close()
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.path.insert(0, str(BACKEND))
    main()
