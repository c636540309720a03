"""Recording sync runs. Each write is its own short transaction, so a run that fails and rolls back its
data still leaves its `ERRO` row behind.

A run row is also its scope's reservation: the partial unique index `uq_sincronizacoes_escopo_ativa` allows
one INICIADA run per scope. A triggered run waits in the queue as INICIADA with no heartbeat yet (`queued`);
the job that picks it up `claim`s it. Every end is conditional on the run still being INICIADA, so a run
never overwrites the end another run wrote (syncs/exclusive.py fails abandoned runs)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, Field
from sqlalchemy import null, select, update
from sqlalchemy.orm import Session

from espelho.clock import now_utc
from espelho.db import Database
from espelho.logging_setup import get_logger
from espelho.syncs.models import Sincronizacao

log = get_logger(__name__)

INICIADA, CONCLUIDA, ERRO = "INICIADA", "CONCLUIDA", "ERRO"
# Marks the sessions writing the run log: not guarded by the scope's lock (exclusive.py), so that a run that
# lost its lock can still record how it ended.
RUN_LOG = "espelho_run_log"
HEARTBEAT_S = 15.0  # a working run touches heartbeat_em this often; /sync/status shows the silence since


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


@contextmanager
def _log(database: Database) -> Iterator[Session]:
    with database.session() as session:
        session.info[RUN_LOG] = True
        yield session


def start_run(database: Database, *, origem: str, tipo: str, escopo: str, competencia: str | None = None,
              queued: bool = False) -> int:
    """Record a run INICIADA: working now, or `queued` (no heartbeat until a job claims it). IntegrityError
    when its scope already has an INICIADA run."""
    with _log(database) as session:
        run = Sincronizacao(origem=origem, tipo=tipo, escopo=escopo, competencia=competencia, status=INICIADA,
                            iniciada_em=now_utc(), heartbeat_em=None if queued else now_utc())
        session.add(run)
        session.flush()
        return run.id


def active_run(database: Database, escopo: str) -> Sincronizacao | None:
    """The scope's INICIADA run (the unique index allows one), queued or working."""
    with _log(database) as session:
        return session.scalar(select(Sincronizacao).where(Sincronizacao.escopo == escopo,
                                                          Sincronizacao.status == INICIADA))


def run_status(database: Database, run_id: int) -> str | None:
    with _log(database) as session:
        return session.scalar(select(Sincronizacao.status).where(Sincronizacao.id == run_id))


def _still_running(run_id: int) -> Any:
    return update(Sincronizacao).where(Sincronizacao.id == run_id, Sincronizacao.status == INICIADA)


def claim(database: Database, run_id: int) -> bool:
    """A job takes its queued run (it beats from now on); False when the run is not queued any more."""
    with _log(database) as session:
        claimed = session.execute(_still_running(run_id).where(Sincronizacao.heartbeat_em.is_(None))
                                  .values(heartbeat_em=now_utc()))
        return bool(claimed.rowcount)  # type: ignore[attr-defined]


def fail_run(database: Database, run_id: int, message: str) -> bool:
    """End a run that is still INICIADA as ERRO; False when it had ended already (its end stays)."""
    with _log(database) as session:
        started = session.scalar(select(Sincronizacao.iniciada_em).where(Sincronizacao.id == run_id))
        now = now_utc()
        failed = session.execute(_still_running(run_id).values(
            status=ERRO, mensagem_erro=message[:2000], concluida_em=now, progresso=null(),
            tempo_execucao=round((now - started).total_seconds(), 3) if started else None))
    if failed.rowcount:  # type: ignore[attr-defined]
        log.warning("sync.failed", run_id=run_id, error=message)
    return bool(failed.rowcount)  # type: ignore[attr-defined]


def finish_run(database: Database, run_id: int, *, status: str, elapsed_s: float, report: RunReport | None,
               error: str | None = None) -> bool:
    """Record how a run ended, unless another run ended it first (False then)."""
    counts = report.counts() if report is not None else RunCounts()
    now = now_utc()
    with _log(database) as session:
        finished = session.execute(_still_running(run_id).values(
            status=status, mensagem_erro=error, tempo_execucao=round(elapsed_s, 3), concluida_em=now,
            heartbeat_em=now, api_calls=counts.api_calls, total_processos=counts.total_processos,
            processos_novos=counts.novos, processos_atualizados=counts.atualizados,
            processos_removidos=counts.removidos,
            estatisticas=(report.estatisticas() if report is not None else None) or null(),
            progresso=null()))  # progress is for running runs
        return bool(finished.rowcount)  # type: ignore[attr-defined]


def heartbeat(database: Database, run_id: int, progresso: Progresso | None = None) -> None:
    """Touch a running run (it is alive), with where it is when given."""
    values: dict[str, Any] = {"heartbeat_em": now_utc()}
    if progresso is not None:
        values["progresso"] = progresso.model_dump()
    with _log(database) as session:
        session.execute(_still_running(run_id).values(**values))


def _beat(database: Database, run_id: int, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_S):
        try:
            heartbeat(database, run_id)
        except Exception as exc:  # a blip must not end the heartbeat; the next beat retries
            log.warning("sync.heartbeat_failed", run_id=run_id, error=str(exc))


@contextmanager
def recorded_run(database: Database, *, origem: str, tipo: str, escopo: str, competencia: str | None = None,
                 run_id: int | None = None) -> Iterator[RunHandle]:
    """Record a run around a block: INICIADA before, CONCLUIDA or ERRO (with the message) after, its
    heartbeat touched every HEARTBEAT_S meanwhile (a stopped process goes silent; a hung one may not).

    `run_id` continues a run row already written by `start_run` (a trigger that must answer with the
    run id before the work starts). The block sets `handle.report` (also before it fails, for what it got
    done); an exception is recorded and re-raised. A run another run has ended keeps that end.
    """
    if run_id is None:
        run_id = start_run(database, origem=origem, tipo=tipo, escopo=escopo, competencia=competencia)
    handle = RunHandle(run_id)
    stop = threading.Event()
    threading.Thread(target=_beat, args=(database, run_id, stop), name=f"heartbeat {escopo}",
                     daemon=True).start()
    try:
        yield handle
    except BaseException as exc:
        message = str(exc) or exc.__class__.__name__
        finish_run(database, handle.id, status=ERRO, elapsed_s=handle.elapsed_s, report=handle.report,
                   error=message[:2000])
        log.error("sync.failed", run_id=handle.id, origem=origem, tipo=tipo, escopo=escopo, error=message)
        raise
    finally:
        stop.set()
    finish_run(database, handle.id, status=CONCLUIDA, elapsed_s=handle.elapsed_s, report=handle.report)
