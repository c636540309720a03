"""Acessórias sync benchmark: full and incremental syncs against the simulator, through the real CLI.

    cd backend && .venv/bin/python bench/bench_acessorias.py [--office small|big|both] [--latency-ms 100]
        [--rate-limit 100] [--big-rate-limit 100] [--db sqlite|postgresql]

Starts `espelho simulate` (latency and per-token sliding-window limit as given) in a subprocess, migrates
a scratch database, then for each office runs `espelho sync-acessorias --full --json`, and
`--incremental --json` after moving the world on by 0 %, 1 % and 10 % of the processes (steps completed).
The client's limit (ESPELHO_ACESSORIAS_RATE_LIMIT) is one below the simulator's: at exactly the same
limit, network jitter makes the upstream's window see 101 requests now and then (429, a retry, a lost
slot); one spare slot absorbs it. Between scenarios the simulator's window is cleared so each scenario
starts with a fresh budget, like a run every 15 minutes. The bound uses the upstream's limit.

Prints, per scenario: upstream calls, wall time, the rate-limit bound (calls ÷ limit per minute, i.e. the
least time the calls could take if each needed its own slot) and wall ÷ bound. Runs that fit inside one
window's burst (calls ≤ limit) are bounded by latency, not by the limit: their ratio is below 1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from espelho.harness import fresh_database_url, simulator_process

BACKEND = Path(__file__).resolve().parents[1]
ESPELHO = str(BACKEND / ".venv" / "bin" / "espelho")
PG_ADMIN = os.environ.get("ESPELHO_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TOKENS = {"small": "test-token", "big": "big-token"}


def sync(env: dict[str, str], *args: str) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [ESPELHO, "sync-acessorias", *args, "--json"], env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"sync failed: {done.stdout.strip().splitlines()[-1:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--office", choices=["small", "big", "both"], default="small")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--rate-limit", type=int, default=100, help="requests/min, small office")
    parser.add_argument("--big-rate-limit", type=int, default=100, help="requests/min, big office")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    offices = ["small", "big"] if args.office == "both" else [args.office]

    rows: list[tuple[str, str, dict, int]] = []
    with simulator_process("--latency-ms", str(args.latency_ms), "--rate-limit", "100") as sim:
        sim_url = sim.acessorias_url
        control = f"{sim_url}/_control"
        for office in offices:
            limit = args.rate_limit if office == "small" else args.big_rate_limit
            with (
                tempfile.TemporaryDirectory() as tmp,
                fresh_database_url(args.db, Path(tmp), PG_ADMIN) as url,
            ):
                env = {
                    **os.environ,
                    "ESPELHO_DATABASE_URL": url,
                    "ESPELHO_ACESSORIAS_BASE_URL": sim_url,
                    "ESPELHO_ACESSORIAS_TOKEN": TOKENS[office],
                    "ESPELHO_ACESSORIAS_RATE_LIMIT": str(max(1, limit - 1)),
                    "ESPELHO_LOG_LEVEL": "WARNING",
                }
                subprocess.run([ESPELHO, "db", "upgrade"], env=env, check=True, capture_output=True)
                httpx.post(f"{control}/reset").raise_for_status()
                httpx.post(f"{control}/faults", json={"rate_limit": limit}).raise_for_status()
                world = httpx.get(f"{control}/world", params={"token": TOKENS[office]}).json()
                print(
                    f"# {office} office: {world['processos']} processos, {world['empresas']} empresas, "
                    f"limit {limit}/min, latency {args.latency_ms:.0f} ms, {args.db}",
                    flush=True,
                )
                result = sync(env, "--full")
                rows.append((office, "full", result, limit))
                report(*rows[-1])
                for pct in (0, 1, 10):
                    httpx.post(f"{control}/faults", json={"clear_window": True}).raise_for_status()
                    n = round(world["processos"] * pct / 100)
                    if n:
                        httpx.post(
                            f"{control}/advance", json={"steps_completed": n, "token": TOKENS[office]}
                        )
                    result = sync(env, "--incremental")
                    rows.append((office, f"incremental {pct}% ({n})", result, limit))
                    report(*rows[-1])
                httpx.post(f"{control}/faults", json={"clear_window": True}).raise_for_status()


def report(office: str, scenario: str, result: dict, limit: int) -> None:
    calls = result["api_calls"]
    bound = calls / limit * 60.0
    print(
        f"{office:5} {scenario:22} calls={calls:5d} wall={result['wall_s']:8.1f}s "
        f"sync={result['duration_s']:8.1f}s bound={bound:8.1f}s wall/bound={result['wall_s'] / bound:5.2f} "
        f"novos={result['novos']} atualizados={result['atualizados']} total={result['total_processos']}",
        flush=True,
    )


if __name__ == "__main__":
    main()
