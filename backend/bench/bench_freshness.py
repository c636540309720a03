"""Freshness benchmark: how long a change made upstream takes to reach the API, and what watching costs.

    cd backend && .venv/bin/python bench/bench_freshness.py [--office small|big|both] [--hour quiet|busy|both]
        [--minutes 10] [--rate-limit 100] [--latency-ms 100] [--db sqlite|postgresql]

Starts `espelho simulate` (per-token limit `--rate-limit`/min, `--latency-ms` per answer) in a process of its
own and, per office, loads a scratch database with a full sync at a lifted rate (the load is not what is
measured). Then `espelho serve` runs with its in-process schedule as deployed: the probe every 60 s, the
incremental every 15 min, the client at one below the upstream's limit. For `--minutes`, this script acts as
the office: at random moments (a Poisson process) it completes a passo of a random open processo, at the
hour's rate (quiet: 1 % of the processos per hour; busy: 10 %), and changes as many deliveries. It polls
`GET /api/v1/alteracoes` every second and times each passo from its change upstream to the first change of
its processo there (a passo that is a question shows as `desdobramento_respondido`).

Prints, per office and hour: changes made and seen, change→API latency (p50, p95, max), the upstream calls
per minute (the simulator's count) and their share of the limit, and the server's peak memory (RSS).
Changes still unseen at the end count as lost (a probe and the incremental should leave none).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from espelho.harness import free_port, fresh_database_url, simulator_process

BACKEND = Path(__file__).resolve().parents[1]
ESPELHO = str(BACKEND / ".venv" / "bin" / "espelho")
PG_ADMIN = os.environ.get("ESPELHO_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TOKENS = {"small": "test-token", "big": "big-token"}
HOURLY_SHARE = {"quiet": 0.01, "busy": 0.10}
LOAD_RATE = 20_000  # requests/min while loading the mirror
EMAIL, PASSWORD = "bench@example.com", "bench-password-123"


def peak_rss_mib(pid: int) -> float:
    """A process's peak resident set so far (Linux: VmHWM in /proc), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def run(office: str, hour: str, args: argparse.Namespace, control: str, sim_url: str) -> None:
    token = TOKENS[office]
    with tempfile.TemporaryDirectory() as tmp, fresh_database_url(args.db, Path(tmp), PG_ADMIN) as url:
        env = {**os.environ, "ESPELHO_DATABASE_URL": url, "ESPELHO_ACESSORIAS_BASE_URL": sim_url,
               "ESPELHO_ACESSORIAS_TOKEN": token, "ESPELHO_LOG_LEVEL": "WARNING",
               "ESPELHO_SECRET_KEY": secrets.token_urlsafe(48)}
        env.pop("ESPELHO_REDIS_URL", None)
        subprocess.run([ESPELHO, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([ESPELHO, "user", "create", "--email", EMAIL, "--password", PASSWORD], env=env,
                       check=True, capture_output=True)
        httpx.post(f"{control}/reset").raise_for_status()
        httpx.post(f"{control}/faults", json={"rate_limit": LOAD_RATE}).raise_for_status()
        subprocess.run([ESPELHO, "sync-acessorias", "--full", "--json"], check=True, capture_output=True,
                       env={**env, "ESPELHO_ACESSORIAS_RATE_LIMIT": str(LOAD_RATE)})
        world = httpx.get(f"{control}/world", params={"token": token}).json()
        httpx.post(f"{control}/faults", json={"rate_limit": args.rate_limit, "clear_window": True})
        port = free_port()
        serve_log = Path(tmp) / "serve.log"
        with serve_log.open("w") as log:
            server = subprocess.Popen(
                [ESPELHO, "serve", "--host", "127.0.0.1", "--port", str(port)],
                env={**env, "ESPELHO_ACESSORIAS_RATE_LIMIT": str(max(1, args.rate_limit - 1)),
                     "ESPELHO_SCHEDULER_ENABLED": "true"},
                stdout=subprocess.DEVNULL, stderr=log)
            try:
                measure(office, hour, args, control, f"http://127.0.0.1:{port}", world, server.pid)
            except SystemExit:
                sys.stderr.write(serve_log.read_text()[-3000:])
                raise
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)


def measure(office: str, hour: str, args: argparse.Namespace, control: str, api_url: str,
            world: dict, server_pid: int) -> None:
    token = TOKENS[office]
    api = httpx.Client(base_url=api_url, timeout=30)
    deadline = time.monotonic() + 180  # a loaded machine takes its time to start the app
    answer = "no answer"
    while True:
        try:
            login = api.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
            if login.status_code == 200:
                break
            answer = f"{login.status_code} {login.text[:200]}"
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"the server did not start: {answer}")
        time.sleep(0.5)
    api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    per_minute = world["processos"] * HOURLY_SHARE[hour] / 60
    rng = random.Random(7)
    pending: dict[int, float] = {}  # proc_id -> when its passo was completed upstream
    latencies: list[float] = []
    seen_ids: set[int] = set()
    calls_before = httpx.get(f"{control}/stats").json()["total"]
    started = time.monotonic()
    end = started + args.minutes * 60
    next_change = started + rng.expovariate(per_minute / 60)
    while time.monotonic() < end or (pending and time.monotonic() < end + 16 * 60):
        now = time.monotonic()
        if now >= next_change and now < end:
            changed = httpx.post(f"{control}/advance", json={"steps_completed": 1, "deliveries_changed": 1,
                                                             "token": token}).json()
            for proc_id in changed["steps_completed"]:
                pending[proc_id] = time.monotonic()
            next_change = now + rng.expovariate(per_minute / 60)
        # Any change of the processo: a step that is a question (desdobramento) shows as answered.
        page = api.get("/api/v1/alteracoes", params={"page_size": 200}).json()
        for item in page["items"]:
            if item["id"] in seen_ids:
                continue
            seen_ids.add(item["id"])
            if item["proc_id"] in pending:
                latencies.append(time.monotonic() - pending.pop(item["proc_id"]))
        time.sleep(1.0)
    peak_rss = peak_rss_mib(server_pid)
    elapsed_min = (time.monotonic() - started) / 60
    calls = httpx.get(f"{control}/stats").json()["total"] - calls_before
    rate = calls / elapsed_min
    if latencies:
        lag = (f"p50={statistics.median(latencies):6.1f}s p95={percentile(latencies, 95):6.1f}s "
               f"max={max(latencies):6.1f}s")
    else:
        lag = "no change seen"
    print(f"{office:5} {hour:5} processos={world['processos']:5d} changes={len(latencies) + len(pending):4d} "
          f"seen={len(latencies):4d} lost={len(pending)} {lag} calls/min={rate:5.1f} "
          f"({100 * rate / args.rate_limit:4.1f}% of {args.rate_limit}/min) "
          f"server_rss_peak={peak_rss:.0f}MiB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--office", choices=["small", "big", "both"], default="both")
    parser.add_argument("--hour", choices=["quiet", "busy", "both"], default="both")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the office changes things")
    parser.add_argument("--rate-limit", type=int, default=100, help="the upstream's requests/min")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    offices = ["small", "big"] if args.office == "both" else [args.office]
    hours = ["quiet", "busy"] if args.hour == "both" else [args.hour]
    with simulator_process("--latency-ms", str(args.latency_ms), "--rate-limit", str(args.rate_limit)) as sim:
        control = f"{sim.acessorias_url}/_control"
        for office in offices:
            for hour in hours:
                run(office, hour, args, control, sim.acessorias_url)
    sys.exit(0)


if __name__ == "__main__":
    main()
