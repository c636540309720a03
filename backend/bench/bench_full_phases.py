"""Full sync in two phases, and resumed after a kill: calls and time until the dashboards are complete,
until every detail is stored, and for a run resumed after `kill -9` at 50 % of the details.

    cd backend && .venv/bin/python bench/bench_full_phases.py [--office small|big|both] [--latency-ms 20]
        [--db sqlite|postgresql] [--real]

What is measured and what is modelled:
- Call counts are measured for real, through the real CLI (`espelho sync-acessorias --full --json`, a
  subprocess) against `espelho simulate` with the rate limit *lifted* (both sides at 1,000,000/min), so
  that the big office's ~6,000 calls take minutes instead of an hour.
- Wall times at the upstream's real 100/min are *modelled* from those counts: "calls ÷ 100/min" (every
  call waits for its slot), and "with burst" (a run that starts with an empty window sends its first
  100 calls at once: max(0, calls − 100) ÷ 100/min). A run resumed right after a kill starts with the
  dead run's last minute in its window, so its burst is spent: the plain figure applies.
- `--real` also runs the small office for real at 100/min (simulator and client both at 100; the
  window counts arrivals, so no spare slot is needed): measured wall times, and the simulator's count of
  requests refused over its window (expected 0).

Calls until the dashboards are complete = the run's `chamadas_ate_paineis` (its phase 1: empresas, the
process list, the ids in the gaps of the list). Calls until every detail is stored = every call before
the obrigações sweep (all calls − the per-company delivery calls the simulator counted).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from espelho.harness import free_port, fresh_database_url

BACKEND = Path(__file__).resolve().parents[1]
ESPELHO = str(BACKEND / ".venv" / "bin" / "espelho")
PG_ADMIN = os.environ.get("ESPELHO_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TOKENS = {"small": "test-token", "big": "big-token"}
LIFTED = 1_000_000
REAL = 100


@contextmanager
def simulator(latency_ms: float, rate_limit: int) -> Iterator[str]:
    port = free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    proc = subprocess.Popen([ESPELHO, "simulate", "--port", str(port), "--latency-ms", str(latency_ms),
                             "--rate-limit", str(rate_limit)], **quiet)  # type: ignore[call-overload]
    try:
        for _ in range(300):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/acessorias"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class Office:
    def __init__(self, sim_url: str, office: str, db_url: str, limit: int) -> None:
        self.control = f"{sim_url}/_control"
        self.token = TOKENS[office]
        self.env = {**os.environ, "ESPELHO_DATABASE_URL": db_url, "ESPELHO_ACESSORIAS_BASE_URL": sim_url,
                    "ESPELHO_ACESSORIAS_TOKEN": self.token, "ESPELHO_ACESSORIAS_RATE_LIMIT": str(limit),
                    "ESPELHO_LOG_LEVEL": "WARNING", "ESPELHO_SYNC_LOCK_TTL_S": "3"}
        subprocess.run([ESPELHO, "db", "upgrade"], env=self.env, check=True, capture_output=True)
        httpx.post(f"{self.control}/reset").raise_for_status()
        httpx.post(f"{self.control}/faults", json={"rate_limit": limit}).raise_for_status()
        self.world = httpx.get(f"{self.control}/world", params={"token": self.token}).json()

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.control}/stats").json()["requests"]

    def command(self) -> list[str]:
        return [ESPELHO, "sync-acessorias", "--full", "--json"]

    def full(self) -> dict[str, Any]:
        started = time.perf_counter()
        done = subprocess.run(self.command(), env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-3000:])
            raise SystemExit(f"sync failed: {done.stdout.strip().splitlines()[-1:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["wall_s"] = time.perf_counter() - started
        return result

    def kill_at_half(self) -> int:
        """Start a full sync, SIGKILL it once half the processes' details were answered; its calls."""
        proc = subprocess.Popen(self.command(), env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            while self.stats().get("process_detail", 0) < self.world["processos"] // 2:
                if proc.poll() is not None:
                    raise SystemExit("the sync ended before half of the details")
                time.sleep(0.02)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        time.sleep(3.5)  # the dead run's lock expires (ESPELHO_SYNC_LOCK_TTL_S=3)
        return int(self.stats().get("total", 0))


def minutes(calls: int, burst: bool) -> float:
    """Modelled wall time at the real limit, in seconds."""
    return (max(0, calls - REAL) if burst else calls) / REAL * 60.0


def run_lifted(sim_url: str, office: str, db: str) -> None:
    with tempfile.TemporaryDirectory() as tmp, fresh_database_url(db, Path(tmp), PG_ADMIN) as url:
        bench = Office(sim_url, office, url, LIFTED)
        print(f"# {office} office: {bench.world['processos']} processos, {bench.world['empresas']} empresas; "
              f"limit lifted ({LIFTED:,}/min), {db}", flush=True)
        fresh = bench.full()
        deliveries = bench.stats().get("deliveries_company", 0)
        until_details = fresh["api_calls"] - deliveries
        row(office, "fresh: dashboards complete", fresh["chamadas_ate_paineis"], True,
            fresh["segundos_ate_paineis"])
        row(office, "fresh: every detail stored", until_details, True, None)
        row(office, "fresh: whole run", fresh["api_calls"], True, fresh["wall_s"])
    with tempfile.TemporaryDirectory() as tmp, fresh_database_url(db, Path(tmp), PG_ADMIN) as url:
        bench = Office(sim_url, office, url, LIFTED)
        killed_calls = bench.kill_at_half()
        httpx.post(f"{bench.control}/stats/reset").raise_for_status()
        resumed = bench.full()
        deliveries = bench.stats().get("deliveries_company", 0)
        assert resumed["retomada"], resumed
        row(office, "killed at 50 %: calls before the kill", killed_calls, True, None)
        row(office, "resumed: dashboards complete", resumed["chamadas_ate_paineis"], False,
            resumed["segundos_ate_paineis"])
        row(office, "resumed: every detail stored", resumed["api_calls"] - deliveries, False, None)
        row(office, "resumed: whole run", resumed["api_calls"], False, resumed["wall_s"])
        print(f"  resumed run skipped {resumed['detalhes_pulados']} details; a fresh run would have made "
              f"{fresh['api_calls']} calls", flush=True)


def run_real(sim_url: str, db: str) -> None:
    with tempfile.TemporaryDirectory() as tmp, fresh_database_url(db, Path(tmp), PG_ADMIN) as url:
        bench = Office(sim_url, "small", url, REAL)
        print(f"# small office for real at {REAL}/min (simulator and client), {db}", flush=True)
        fresh = bench.full()
        print(f"small  fresh (real)        calls={fresh['api_calls']:5d}  dashboards after "
              f"{fresh['chamadas_ate_paineis']} calls / {fresh['segundos_ate_paineis']:.1f} s; whole run "
              f"{fresh['wall_s']:.1f} s; refused by the simulator: {bench.stats().get('throttled', 0)}",
              flush=True)
    with tempfile.TemporaryDirectory() as tmp, fresh_database_url(db, Path(tmp), PG_ADMIN) as url:
        bench = Office(sim_url, "small", url, REAL)
        started = time.perf_counter()
        killed_calls = bench.kill_at_half()
        resumed = bench.full()
        print(f"small  killed at 50 % + resumed (real): {killed_calls} + {resumed['api_calls']} calls, "
              f"{time.perf_counter() - started:.1f} s from the first start (3.5 s of it waiting for the dead "
              f"run's lock); resumed run: dashboards after {resumed['segundos_ate_paineis']:.1f} s, "
              f"{resumed['detalhes_pulados']} details kept; refused by the simulator across both runs: "
              f"{bench.stats().get('throttled', 0)}", flush=True)


def row(office: str, what: str, calls: int, burst: bool, measured_s: float | None) -> None:
    measured = f"{measured_s:7.1f} s" if measured_s is not None else "      —  "
    print(f"{office:5} {what:40} calls={calls:5d}  at 100/min: {minutes(calls, False):7.1f} s"
          f" (with burst {minutes(calls, burst):7.1f} s)  measured, limit lifted: {measured}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--office", choices=["small", "big", "both"], default="both")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--real", action="store_true", help=f"also run the small office at {REAL}/min")
    args = parser.parse_args()
    offices = ["small", "big"] if args.office == "both" else [args.office]
    with simulator(args.latency_ms, LIFTED) as sim_url:
        for office in offices:
            run_lifted(sim_url, office, args.db)
    if args.real:
        with simulator(args.latency_ms, REAL) as sim_url:
            run_real(sim_url, args.db)


if __name__ == "__main__":
    main()
