"""A run that has lost its lock writes nothing more (issue 20, N4), through the real CLI on PostgreSQL: a
full sync is stopped (SIGSTOP), an operator ends its lock's session (pg_terminate_backend), a new full
sync starts at once and finishes; the first, resumed (SIGCONT), writes nothing and the history shows it
failed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from espelho.config import Settings
from espelho.db import Database
from espelho.syncs.locks import lock_key
from tests.acessorias.conftest import snapshot
from tests.conftest import settings_env
from tests.helpers import RunningSimulator
from tests.jobs.conftest import ESPELHO, recorded_runs, signed_in_client, slow_settings, wait_for

IN_A_TRANSACTION = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL")


def _details(settings: Settings) -> int:
    stats = httpx.get(f"{settings.acessorias_base_url}/_control/stats").json()
    return int(stats["requests"].get("process_detail", 0))


def _runs(database: Database) -> list[tuple[Any, ...]]:
    return [(r.id, r.status, r.mensagem_erro, r.concluida_em, r.heartbeat_em, r.estatisticas)
            for r in recorded_runs(database)]


def _stop_between_transactions(database: Database, process: subprocess.Popen[bytes]) -> None:
    """SIGSTOP `process` at a moment it holds no transaction open: a stopped transaction would hold its
    rows' locks and make the next run wait for it (what an operator avoids by ending all its sessions)."""
    for _ in range(200):
        os.kill(process.pid, signal.SIGSTOP)
        time.sleep(0.05)  # the stop has landed
        with database.engine.connect() as conn:
            if conn.scalar(text(IN_A_TRANSACTION)) == 0:
                return
        os.kill(process.pid, signal.SIGCONT)
        time.sleep(0.01)
    raise AssertionError("the sync was always inside a transaction")


@pytest.mark.real_clock  # the two CLI processes stamp their runs each with its own clock
def test_a_stopped_run_whose_lock_was_taken_writes_nothing_more(pg_database: Database, redis_url: str,
                                                                slow_simulator: RunningSimulator,
                                                                tmp_path: Path) -> None:
    # The rate window in Redis, as in production with workers (not a database table both would write).
    settings = slow_settings(pg_database, slow_simulator, redis_url=redis_url, log_level="INFO")
    env = {**os.environ, **settings_env(settings)}
    command = [str(ESPELHO), "sync-acessorias", "--full", "--json"]
    logs: dict[str, Any] = {name: open(tmp_path / f"{name}.log", "w+b") for name in ("first", "second")}  # noqa: SIM115
    start = _details(settings)
    first = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=logs["first"], stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: first.poll() is not None or _details(settings) >= start + 40, timeout_s=120,
                 interval_s=0.01, what="the first run's detail sweep")
        assert first.poll() is None, "the first run ended before it could be stopped"
        _stop_between_transactions(pg_database, first)
        (stopped,) = recorded_runs(pg_database)
        assert stopped.status == "INICIADA"

        # The operator ends the hung run's lock session; the scope is free at once.
        key = lock_key("acessorias")
        with pg_database.engine.begin() as conn:
            ended = conn.scalar(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' "
                "AND objsubid = 1 AND classid::bigint = :hi AND objid::bigint = :lo"),
                {"hi": key >> 32, "lo": key & 0xFFFFFFFF})
        assert ended == 1

        second = subprocess.run(command, env=env, cwd=tmp_path, stdout=logs["second"],
                                stderr=subprocess.STDOUT, timeout=300)
        logs["second"].seek(0)
        output = logs["second"].read().decode()
        assert second.returncode == 0, output[-3000:]  # no "already running"
        done = json.loads(output.strip().splitlines()[-1])
        assert done["status"] == "CONCLUIDA" and done["retomada"] is True
        written = snapshot(pg_database)
        runs_before = _runs(pg_database)
        assert [r[1] for r in runs_before] == ["ERRO", "CONCLUIDA"]
        assert (runs_before[0][2] or "").startswith("interrupted")

        os.kill(first.pid, signal.SIGCONT)
        first.wait(timeout=120)
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGCONT)
            first.kill()
            first.wait()
    logs["first"].seek(0)
    output = logs["first"].read().decode()
    assert first.returncode == 1, output[-3000:]
    failed = json.loads(output.strip().splitlines()[-1])
    assert failed["status"] == "ERRO" and "lock lost" in failed["erro"], failed
    # Nothing written after it resumed; its end did not overwrite what the new run recorded.
    assert snapshot(pg_database) == written
    assert _runs(pg_database) == runs_before
    with signed_in_client(settings, pg_database, "USER") as client:
        history = client.get("/api/v1/sync/history").json()["items"]
    assert [(h["id"], h["status"]) for h in history] == [(runs_before[1][0], "CONCLUIDA"),
                                                         (stopped.id, "ERRO")]
