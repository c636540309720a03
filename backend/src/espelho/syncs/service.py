"""Recording sync runs. Each write is its own short transaction, so a run that fails and rolls back its
data still leaves its `ERRO` row behind."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, Field

from espelho.clock import now_utc
from espelho.db import Database
from espelho.logging_setup import get_logger
from espelho.syncs.models import Sincronizacao

log = get_logger(__name__)

INICIADA, CONCLUIDA, ERRO = "INICIADA", "CONCLUIDA", "ERRO"



class Progresso(BaseModel):
    """Where a running sync is: the CLI draws it as a bar, `/sync/status` serves it on the running run."""

    fase: str
    feitos: int = 0
    total: int | None = None  # None while unknown
    chamadas_restantes: int | None = Field(default=None, description="Upstream calls still to make")
    eta_s: float | None = Field(default=None, description="chamadas_restantes ÷ the upstream's rate limit")


Progress = Callable[[Progresso], None]
"""What a long sync reports as it goes."""


@dataclass
class RunCounts:
    """The figures every run fills in its `sincronizacoes` columns (None where a kind of run has none)."""

    api_calls: int | None = None
    total_processos: int | None = None
    novos: int | None = None
    atualizados: int | None = None
    removidos: int | None = None

    def counts(self) -> RunCounts:
        return self

    def estatisticas(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


class RunReport(Protocol):
    """What a sync reports: its counts (columns) and its statistics (`estatisticas`, the JSON the CLI's
    `--json` prints and /sync/history serves)."""

    def counts(self) -> RunCounts: ...

    def estatisticas(self) -> dict[str, Any]: ...


@dataclass
class RunHandle:
    id: int
    started: float = field(default_factory=time.perf_counter)
    report: RunReport | None = None

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


def finish_run(database: Database, run_id: int, *, status: str, elapsed_s: float, report: RunReport | None,
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
        counts = report.counts() if report is not None else RunCounts()
        run.api_calls = counts.api_calls
        run.total_processos = counts.total_processos
        run.processos_novos = counts.novos
        run.processos_atualizados = counts.atualizados
        run.processos_removidos = counts.removidos
        run.estatisticas = (report.estatisticas() if report is not None else None) or None
        run.progresso = None  # progress is for running runs


def heartbeat(database: Database, run_id: int, progresso: Progresso | None = None) -> None:
    """Touch the run (it is alive), with where it is when given."""
    with database.session() as session:
        run = session.get(Sincronizacao, run_id)
        if run is not None:
            run.heartbeat_em = now_utc()
            if progresso is not None:
                run.progresso = progresso.model_dump()


@contextmanager
def recorded_run(database: Database, *, origem: str, tipo: str, escopo: str, competencia: str | None = None,
                 run_id: int | None = None) -> Iterator[RunHandle]:
    """Record a run around a block: INICIADA before, CONCLUIDA or ERRO (with the message) after.

    `run_id` continues a run row already written by `start_run` (a trigger that must answer with the
    run id before the work starts). The block sets `handle.report` (also before it fails, for what it got
done); an exception is recorded and re-raised.
    """
    if run_id is None:
        run_id = start_run(database, origem=origem, tipo=tipo, escopo=escopo, competencia=competencia)
    handle = RunHandle(run_id)
    try:
        yield handle
    except BaseException as exc:
        message = str(exc) or exc.__class__.__name__
        finish_run(database, handle.id, status=ERRO, elapsed_s=handle.elapsed_s, report=handle.report,
                   error=message[:2000])
        log.error("sync.failed", run_id=handle.id, origem=origem, tipo=tipo, escopo=escopo, error=message)
        raise
    finish_run(database, handle.id, status=CONCLUIDA, elapsed_s=handle.elapsed_s, report=handle.report)
