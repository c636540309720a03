"""Recording sync runs. Each write is its own short transaction, so a run that fails and rolls back its
data still leaves its `ERRO` row behind."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from espelho.clock import now_utc
from espelho.db import Database
from espelho.logging_setup import get_logger
from espelho.syncs.models import Sincronizacao

log = get_logger(__name__)

INICIADA, CONCLUIDA, ERRO = "INICIADA", "CONCLUIDA", "ERRO"


@dataclass
class RunHandle:
    id: int
    started: float = field(default_factory=time.perf_counter)
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.started


def start_run(database: Database, *, origem: str, tipo: str, escopo: str,
              competencia: str | None = None) -> int:
    with database.session() as session:
        run = Sincronizacao(origem=origem, tipo=tipo, escopo=escopo, competencia=competencia, status=INICIADA,
                            iniciada_em=now_utc(), heartbeat_em=now_utc())
        session.add(run)
        session.flush()
        return run.id


def finish_run(database: Database, run_id: int, *, status: str, elapsed_s: float, result: dict[str, Any],
               error: str | None = None) -> None:
    with database.session() as session:
        run = session.get(Sincronizacao, run_id)
        if run is None:  # pragma: no cover - the row was written by start_run
            return
        run.status = status
        run.mensagem_erro = error
        run.tempo_execucao = round(elapsed_s, 3)
        run.concluida_em = now_utc()
        run.heartbeat_em = run.concluida_em
        run.api_calls = result.get("api_calls")
        run.total_processos = result.get("total_processos")
        run.processos_novos = result.get("novos")
        run.processos_atualizados = result.get("atualizados")
        run.processos_removidos = result.get("removidos")
        run.estatisticas = result or None


def heartbeat(database: Database, run_id: int) -> None:
    with database.session() as session:
        run = session.get(Sincronizacao, run_id)
        if run is not None:
            run.heartbeat_em = now_utc()


@contextmanager
def recorded_run(database: Database, *, origem: str, tipo: str, escopo: str, competencia: str | None = None,
                 run_id: int | None = None) -> Iterator[RunHandle]:
    """Record a run around a block: INICIADA before, CONCLUIDA or ERRO (with the message) after.

    `run_id` continues a run row already written by `start_run` (a trigger that must answer with the
    run id before the work starts). The block fills `handle.result`; an exception is recorded and re-raised.
    """
    if run_id is None:
        run_id = start_run(database, origem=origem, tipo=tipo, escopo=escopo, competencia=competencia)
    handle = RunHandle(run_id)
    try:
        yield handle
    except BaseException as exc:
        message = str(exc) or exc.__class__.__name__
        finish_run(database, handle.id, status=ERRO, elapsed_s=handle.elapsed_s, result=handle.result,
                   error=message[:2000])
        log.error("sync.failed", run_id=handle.id, origem=origem, tipo=tipo, escopo=escopo, error=message)
        raise
    finish_run(database, handle.id, status=CONCLUIDA, elapsed_s=handle.elapsed_s, result=handle.result)
