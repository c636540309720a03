"""Full sync in two phases, and resumed after a kill: calls and time until the dashboards are complete,
until every detail is stored, and for a run resumed after `kill -9` at 50 % of the details.

    cd backend && .venv/bin/python bench/bench_full_phases.py [--office small|big|both] [--latency-ms 20]
        [--db sqlite|postgresql] [--real | --real-only] [--part fresh|killed|both]

    --office       which simulated office(s): small (`test-token`, 207 processos) or big (`big-token`,
                   4,943 processos, 500 empresas)
    --real         after the runs with the limit lifted, run the same office(s) for real at 100/min
    --real-only    only the runs at 100/min (`--office big --real-only` takes about an hour)
    --part         fresh: only the fresh run; killed: only the run killed at 50 % and the one resumed
                   after it; both (default). Each invocation has its own simulator (a free port) and its
                   own database, so `--part fresh` and `--part killed` can run at the same time.

Two ways of running, both through the real CLI (`espelho sync-acessorias --full --json`, a subprocess,
against `espelho simulate`, the database fresh and migrated):
- Limit lifted (the default): simulator and client both at 1,000,000/min. Call counts are measured; the
  wall times at the upstream's real 100/min are *modelled* from them: "calls ÷ 100/min" (every call waits
  for its slot), and "with burst" (a run that starts with an empty window sends its first 100 calls at
  once: max(0, calls − 100) ÷ 100/min). A run resumed right after a kill starts with the dead run's last
  minute in its window, so its burst is spent: the plain figure applies.
- Real (`--real`, `--real-only`): simulator and client both at 100/min (the window counts arrivals, so
  no spare slot is needed). Everything is *measured*: calls and wall time until the dashboards are
  complete, until every detail is stored, and whole; and the simulator's count of requests refused over
  its window (expected 0).

Calls until the dashboards are complete = the run's `chamadas_ate_paineis` (its phase 1: empresas, the
process list, the ids the list skipped at page breaks, the users list), and its `segundos_ate_paineis`
(timed inside the run, from its start, so without the CLI's ~1 s of start-up). Calls until every detail
is stored = every call before the obrigações sweep (all calls − the per-company delivery calls the
simulator counted); its time is when the simulator saw the first delivery call, from the subprocess
start (polled every 0.25 s). Phase 1's calls by kind are the simulator's counters read when the run's
row (`sincronizacoes.progresso.fase`) turns to "detalhes"; the detail calls among them are
`chamadas_ate_paineis` − the other kinds, since a few phase-2 details may already have gone by then.

After `kill -9` the dead run's lock dies with its process (syncs/locks.py), so the new run should never
be refused: it is started right away, and again every 0.25 s should the CLI answer "already running";
the refusals and the time waited are printed, and its own figures are timed from the attempt that ran.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from espelho.harness import fresh_database_url, simulator_process

BACKEND = Path(__file__).resolve().parents[1]
ESPELHO = str(BACKEND / ".venv" / "bin" / "espelho")
PG_ADMIN = os.environ.get("ESPELHO_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TOKENS = {"small": "test-token", "big": "big-token"}
LIFTED = 1_000_000
REAL = 100
PHASE1_KINDS = ["companies_list", "processes_list", "process_detail", "users_list", "user"]
LOCK_RETRY_S = 0.25
POLL_S = 0.25


class Watch(threading.Thread):
    """While a run works: when its phase 1 ended (its row's `progresso.fase` turned to "detalhes"; the
    simulator's counters then) and when the simulator saw its first delivery call (every detail stored)."""

    def __init__(self, office: Office, started: float) -> None:
        super().__init__(daemon=True)
        self.office, self.started = office, started
        self.base = office.stats()  # counters before this run
        self.after_id = office.last_run_id()  # rows up to this one are earlier runs' (a killed one's)
        self.phase1: dict[str, Any] | None = None
        self.phase1_s: float | None = None
        self.details_s: float | None = None
        self.stop = threading.Event()

    def since(self, now: dict[str, Any], kind: str) -> int:
        return int(now.get(kind, 0)) - int(self.base.get(kind, 0))

    def run(self) -> None:
        while not self.stop.wait(POLL_S):
            try:
                now = self.office.stats()
                if self.phase1 is None and self.office.fase(self.after_id) in ("detalhes", "obrigações"):
                    self.phase1 = {k: self.since(now, k) for k in [*PHASE1_KINDS, "total"]}
                    self.phase1_s = time.perf_counter() - self.started
                if self.details_s is None and self.since(now, "deliveries_company") > 0:
                    self.details_s = time.perf_counter() - self.started
            except (httpx.HTTPError, sqlite3.Error, ValueError):
                continue  # a poll that failed is taken again at the next tick


class Office:
    def __init__(self, sim_url: str, office: str, db_url: str, limit: int) -> None:
        self.control = f"{sim_url}/_control"
        self.token = TOKENS[office]
        self.db_url = db_url
        self.env = {**os.environ, "ESPELHO_DATABASE_URL": db_url, "ESPELHO_ACESSORIAS_BASE_URL": sim_url,
                    "ESPELHO_ACESSORIAS_TOKEN": self.token, "ESPELHO_ACESSORIAS_RATE_LIMIT": str(limit),
                    "ESPELHO_LOG_LEVEL": "WARNING"}
        subprocess.run([ESPELHO, "db", "upgrade"], env=self.env, check=True, capture_output=True)
        httpx.post(f"{self.control}/reset").raise_for_status()
        httpx.post(f"{self.control}/faults", json={"rate_limit": limit}).raise_for_status()
        self.world = httpx.get(f"{self.control}/world", params={"token": self.token}).json()
        self.engine = create_engine(db_url) if not db_url.startswith("sqlite") else None

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.control}/stats").json()["requests"]

    def _one(self, query: str) -> Any:
        if self.engine is None:
            path = self.db_url.removeprefix("sqlite:///")
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
            try:
                row = conn.execute(query).fetchone()
            finally:
                conn.close()
        else:
            with self.engine.connect() as conn2:
                row = conn2.execute(text(query)).fetchone()
        return row[0] if row else None

    def last_run_id(self) -> int:
        return int(self._one("SELECT max(id) FROM sincronizacoes") or 0)

    def fase(self, after_id: int) -> str | None:
        """The phase the run newer than `after_id` reports in its row (`sincronizacoes.progresso`)."""
        raw = self._one(f"SELECT progresso FROM sincronizacoes WHERE id > {after_id} ORDER BY id LIMIT 1")
        progresso = json.loads(raw) if isinstance(raw, str) else raw
        return progresso.get("fase") if progresso else None

    def command(self) -> list[str]:
        return [ESPELHO, "sync-acessorias", "--full", "--json"]

    def full(self) -> dict[str, Any]:
        """One full sync through the CLI; while the office's lock is still held by a dead run, tried again
        every LOCK_RETRY_S. Adds the wall time, the time waited for the lock and what `Watch` saw."""
        asked = time.perf_counter()
        refused = 0
        while True:
            started = time.perf_counter()
            watch = Watch(self, started)
            watch.start()
            done = subprocess.run(self.command(), env=self.env, capture_output=True, text=True)
            watch.stop.set()
            watch.join()
            last = (done.stdout.strip().splitlines() or [""])[-1]
            if done.returncode != 0 and "already running" in last:
                refused += 1
                time.sleep(LOCK_RETRY_S)
                continue
            if done.returncode != 0:
                sys.stderr.write(done.stderr[-3000:])
                raise SystemExit(f"sync failed: {last}")
            result: dict[str, Any] = json.loads(last)
            result["wall_s"] = time.perf_counter() - started
            result["lock_wait_s"] = started - asked
            result["lock_refusals"] = refused
            result["details_s"] = watch.details_s
            result["phase1"] = watch.phase1
            result["phase1_s"] = watch.phase1_s
            return result

    def kill_at_half(self) -> tuple[int, float]:
        """Start a full sync, SIGKILL it once half the processes' details were answered; its calls and
        how long it ran. Polls lightly until close to the half (a real run takes half an hour to get
        there)."""
        half = self.world["processos"] // 2
        started = time.perf_counter()
        proc = subprocess.Popen(self.command(), env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            while (answered := self.stats().get("process_detail", 0)) < half:
                if proc.poll() is not None:
                    raise SystemExit("the sync ended before half of the details")
                time.sleep(0.02 if half - answered < 120 else 1.0)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        return int(self.stats().get("total", 0)), time.perf_counter() - started


def minutes(calls: int, burst: bool) -> float:
    """Modelled wall time at the real limit, in seconds."""
    return (max(0, calls - REAL) if burst else calls) / REAL * 60.0


def phase1_line(office: str, run: str, result: dict[str, Any]) -> str:
    """Phase 1's calls by kind (see the module docstring for how the detail calls are counted)."""
    seen = result["phase1"]
    if seen is None:
        return f"{office:5} {run}: phase 1 by kind not seen (the run's row never reported 'detalhes')"
    others = sum(seen[k] for k in PHASE1_KINDS if k != "process_detail")
    kinds = {**{k: seen[k] for k in PHASE1_KINDS}, "process_detail": result["chamadas_ate_paineis"] - others}
    return (f"{office:5} {run}: phase 1 = {result['chamadas_ate_paineis']} calls: "
            + ", ".join(f"{k} {v}" for k, v in kinds.items())
            + f" (simulator read {POLL_S} s-ly at {result['phase1_s']:.1f} s: {seen['total']} calls, "
            f"{seen['process_detail']} process_detail)")


@contextmanager
def office_run(sim_url: str, office: str, db: str, limit: int) -> Iterator[Office]:
    """One run of `office` against the simulator at `limit`/min, on a database of its own."""
    with tempfile.TemporaryDirectory() as tmp, fresh_database_url(db, Path(tmp), PG_ADMIN) as url:
        yield Office(sim_url, office, url, limit)


def run_lifted(sim_url: str, office: str, db: str, part: str) -> None:
    if part in ("fresh", "both"):
        with office_run(sim_url, office, db, LIFTED) as bench:
            print(f"# {office} office: {bench.world['processos']} processos, {bench.world['empresas']} "
                  f"empresas; limit lifted ({LIFTED:,}/min), {db}", flush=True)
            fresh = bench.full()
            deliveries = bench.stats().get("deliveries_company", 0)
            row(office, "fresh: dashboards complete", fresh["chamadas_ate_paineis"], True,
                fresh["segundos_ate_paineis"])
            row(office, "fresh: every detail stored", fresh["api_calls"] - deliveries, True,
                fresh["details_s"])
            row(office, "fresh: whole run", fresh["api_calls"], True, fresh["wall_s"])
            print(phase1_line(office, "fresh", fresh), flush=True)
    if part in ("killed", "both"):
        with office_run(sim_url, office, db, LIFTED) as bench:
            killed_calls, _ = bench.kill_at_half()
            httpx.post(f"{bench.control}/stats/reset").raise_for_status()
            resumed = bench.full()
            deliveries = bench.stats().get("deliveries_company", 0)
            assert resumed["retomada"], resumed
            row(office, "killed at 50 %: calls before the kill", killed_calls, True, None)
            row(office, "resumed: dashboards complete", resumed["chamadas_ate_paineis"], False,
                resumed["segundos_ate_paineis"])
            row(office, "resumed: every detail stored", resumed["api_calls"] - deliveries, False,
                resumed["details_s"])
            row(office, "resumed: whole run", resumed["api_calls"], False, resumed["wall_s"])
            print(f"  resumed run skipped {resumed['detalhes_pulados']} details; {lock_wait(resumed)}",
                  flush=True)


def lock_wait(result: dict[str, Any]) -> str:
    """How long the new run waited for the dead run's lock: the refused attempts, then the CLI's start-up
    and the wait inside the attempt that ran (its wall time − the run's own duration)."""
    return (f"the new run was refused {result['lock_refusals']}× for the dead run's lock "
            f"over {result['lock_wait_s']:.1f} s, then spent "
            f"{result['wall_s'] - result['duration_s']:.1f} s in CLI start-up and lock before its run began")


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s ({value / 60:.1f} min)"


def run_real(sim_url: str, office: str, db: str, part: str) -> None:
    if part in ("fresh", "both"):
        with office_run(sim_url, office, db, REAL) as bench:
            print(f"# {office} office ({bench.world['processos']} processos, {bench.world['empresas']} "
                  f"empresas) for real at {REAL}/min (simulator and client), {db}: fresh run", flush=True)
            fresh = bench.full()
            stats = bench.stats()
            print(f"{office} fresh (real) result: {json.dumps(fresh, ensure_ascii=False)}", flush=True)
            deliveries = stats.get("deliveries_company", 0)
            print(f"{office:5} fresh (real): dashboards complete after {fresh['chamadas_ate_paineis']} "
                  f"calls / {seconds(fresh['segundos_ate_paineis'])}; every detail stored after "
                  f"{fresh['api_calls'] - deliveries} calls / {seconds(fresh['details_s'])}; whole run "
                  f"{fresh['api_calls']} calls / {seconds(fresh['wall_s'])}; refused by the simulator: "
                  f"{stats.get('throttled', 0)}", flush=True)
            print(phase1_line(office, "fresh (real)", fresh), flush=True)
    if part in ("killed", "both"):
        with office_run(sim_url, office, db, REAL) as bench:
            print(f"# {office} office for real at {REAL}/min, {db}: killed at 50 % of the details, then a "
                  f"new --full right away", flush=True)
            first_start = time.perf_counter()
            killed_calls, killed_s = bench.kill_at_half()
            print(f"{office:5} killed (real): {killed_calls} calls in {seconds(killed_s)}", flush=True)
            before = bench.stats()
            resumed = bench.full()
            stats = bench.stats()
            print(f"{office} resumed (real) result: {json.dumps(resumed, ensure_ascii=False)}", flush=True)
            assert resumed["retomada"], resumed
            deliveries = stats.get("deliveries_company", 0) - before.get("deliveries_company", 0)
            print(f"{office:5} killed at 50 % + resumed (real): {killed_calls} calls before the kill "
                  f"({seconds(killed_s)}); {lock_wait(resumed)}; resumed run ({resumed['detalhes_pulados']} "
                  f"details kept): dashboards complete after {resumed['chamadas_ate_paineis']} calls / "
                  f"{seconds(resumed['segundos_ate_paineis'])}; every detail stored after "
                  f"{resumed['api_calls'] - deliveries} calls / {seconds(resumed['details_s'])}; whole "
                  f"{resumed['api_calls']} calls / {seconds(resumed['wall_s'])}; "
                  f"{seconds(time.perf_counter() - first_start)} from the first start; refused by the "
                  f"simulator across both runs: {stats.get('throttled', 0)}", flush=True)
            print(phase1_line(office, "resumed (real)", resumed), flush=True)


def row(office: str, what: str, calls: int, burst: bool, measured_s: float | None) -> None:
    measured = f"{measured_s:7.1f} s" if measured_s is not None else "      —  "
    print(f"{office:5} {what:40} calls={calls:5d}  at 100/min: {minutes(calls, False):7.1f} s"
          f" (with burst {minutes(calls, burst):7.1f} s)  measured, limit lifted: {measured}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--office", choices=["small", "big", "both"], default="both")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--real", action="store_true", help=f"then run the office(s) for real at {REAL}/min")
    parser.add_argument("--real-only", action="store_true", help=f"only the runs at {REAL}/min")
    parser.add_argument("--part", choices=["fresh", "killed", "both"], default="both",
                        help="the fresh run, the killed-and-resumed pair, or both")
    args = parser.parse_args()
    offices = ["small", "big"] if args.office == "both" else [args.office]
    if not args.real_only:
        with simulator_process("--latency-ms", str(args.latency_ms), "--rate-limit", str(LIFTED)) as sim:
            for office in offices:
                run_lifted(sim.acessorias_url, office, args.db, args.part)
    if args.real or args.real_only:
        with simulator_process("--latency-ms", str(args.latency_ms), "--rate-limit", str(REAL)) as sim:
            for office in offices:
                run_real(sim.acessorias_url, office, args.db, args.part)


if __name__ == "__main__":
    main()
