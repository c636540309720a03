"""Acessórias syncs and jobs, declared once for every entry point (HTTP, CLI, schedule, Celery; see
syncs/spec.py): the office's incremental sync (every 15 min) and full sync (manual), and the daily metrics.

One office, so one lock scope for its syncs."""

from __future__ import annotations

from dataclasses import dataclass

from espelho.acessorias import metrics, sync
from espelho.jobs.registry import JobContext, job
from espelho.syncs.exclusive import Skipped, run_exclusive
from espelho.syncs.spec import SyncCall, SyncSpec, declare


@dataclass(frozen=True)
class OfficeArgs:
    competencia: str | None = None  # MM/YYYY: a full sync of one competência
    restart: bool = False  # a full sync sweeps every detail again instead of resuming an interrupted one


def _sync_office(call: SyncCall[OfficeArgs]) -> sync.SyncResult:
    return sync.run_sync(call.ctx.database, call.ctx.settings, call.tipo,
                            competencia=call.args.competencia, run_id=call.run_id, progress=call.progress,
                            restart=call.args.restart)


OFFICE_SYNC = declare(SyncSpec(
    origem=sync.ORIGEM, args=OfficeArgs,
    tipos={"FULL": "acessorias.sync_full", "INCREMENTAL": "acessorias.sync_incremental"},
    scope=lambda _args: sync.ESCOPO, work=_sync_office, competencia=lambda args: args.competencia,
))


@job("acessorias.calcular_metricas_diarias")
def calcular_metricas_diarias(ctx: JobContext) -> int | Skipped:
    """Recompute the dashboards' metrics cache (daily at 00:00 America/Sao_Paulo: 'today' changed); returns
    the cache rows written."""
    return run_exclusive(ctx, "acessorias:metricas", lambda _rid: metrics.recompute_all(ctx.database))
