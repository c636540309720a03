"""The full sync at the pace of a real rate limit: a fake that answers 429 past 33 requests a minute, the
project at 30/min, the tiny office (40 processos, so that a sweep takes minutes, not an hour).

Slow: the second test waits for the rate window the way production does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from espelho.acessorias.models import Processo
from espelho.acessorias.sync import run_sync
from espelho.config import Settings
from espelho.db import Database
from espelho.main import create_app
from espelho.syncs.models import Sincronizacao
from espelho.syncs.service import Progresso
from tests.acessorias.conftest import SimControl
from tests.conftest import settings_env
from tests.helpers import create_user_with_token
from tests.jobs.conftest import ESPELHO

TINY = "tiny-token"
UPSTREAM_LIMIT, PROJECT_LIMIT = 33, 30
API = "/api/v1"


class Enough(Exception):
    pass


@pytest.fixture
def paced(settings: Settings, sim: SimControl) -> Settings:
    """The tiny office behind a fake limited to 33/min; the project at 30/min (the window in the database)."""
    sim.faults(rate_limit=UPSTREAM_LIMIT)
    return settings.model_copy(update={"acessorias_token": SecretStr(TINY), "acessorias_backoff_s": 2.0,
                                       "acessorias_rate_limit": PROJECT_LIMIT})


def details_answered(sim: SimControl) -> int:
    return int(sim.stats()["requests"].get("process_detail", 0))


@pytest.mark.slow
def test_dashboards_complete_after_at_most_8_details(database: Database, paced: Settings,
                                                     sim: SimControl) -> None:
    world = sim.world(TINY)
    _, token = create_user_with_token(database, paced, "USER")
    seen: dict[str, Any] = {}
    with TestClient(create_app(paced), headers={"Authorization": f"Bearer {token}"}) as api:

        def progress(at: Progresso) -> None:
            if at.fase == "detalhes":  # phase 2 starts: what does a user see now?
                seen["answered"] = details_answered(sim)
                seen["total"] = api.get(f"{API}/processos").json()["total"]
                seen["dashboard"] = api.get(f"{API}/dashboard/metricas").json()["total_processos"]
                raise Enough  # the rest of the sweep is the next test's

        with pytest.raises(Enough):
            run_sync(database, paced, "FULL", progress=progress)
    assert seen["answered"] <= 8
    assert seen["total"] == seen["dashboard"] == world["processos"]
    assert sim.stats()["requests"].get("throttled", 0) == 0


@pytest.mark.slow
@pytest.mark.real_clock  # two processes share the rate window, each stamped by its clock
@pytest.mark.timeout(600)
def test_kill_9_then_full_resumes_within_the_window(database: Database, paced: Settings,
                                                    sim: SimControl, tmp_path: Path) -> None:
    world = sim.world(TINY)
    # The dead process's lock dies with it: the new run starts at once.
    env = {**os.environ, **settings_env(paced), "ESPELHO_LOG_LEVEL": "WARNING"}
    command = [str(ESPELHO), "sync-acessorias", "--full", "--json"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             cwd=tmp_path)
    try:
        deadline = time.monotonic() + 180
        while details_answered(sim) < world["processos"] // 2:
            assert first.poll() is None and time.monotonic() < deadline, "the sync ended before half"
            time.sleep(0.02)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    time.sleep(0.5)  # answers of requests that were in flight are counted
    before = list(sim.stats()["detail_ids"])
    answered = len(set(before) & set(world["processos_ids"]))

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=500, cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    result = json.loads(second.stdout.strip().splitlines()[-1])
    assert result["status"] == "CONCLUIDA" and result["retomada"] is True
    stats = sim.stats()
    again = stats["detail_ids"][len(before):]
    assert len(again) <= world["processos"] - answered + 10
    assert stats["requests"].get("throttled", 0) == 0  # never over the fake's window, across both runs
    with database.session() as session:
        alive = set(session.scalars(select(Processo.proc_id).where(Processo.removido_em.is_(None))))
        waiting = session.scalar(select(func.count()).where(Processo.detalhes_atualizados_em.is_(None)))
        runs = session.execute(select(Sincronizacao.status, Sincronizacao.mensagem_erro)
                               .order_by(Sincronizacao.id)).all()
    assert alive == set(world["processos_ids"]) and waiting == 0
    assert [r.status for r in runs] == ["ERRO", "CONCLUIDA"]
    assert "interrupted" in (runs[0].mensagem_erro or "")
