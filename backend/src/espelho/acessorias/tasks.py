"""Acessórias syncs and jobs, declared once for every entry point (HTTP, CLI, schedule, Celery; see
syncs/spec.py): the office's incremental sync (every 15 min) and full sync (manual), and the daily metrics
(with the day's report, relatorios/service.py).

One office, so one lock scope for its syncs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from espelho.acessorias import metrics, service
from espelho.relatorios.service import RelatorioDoDia, guardar_relatorio_do_dia
from espelho.syncs.exclusive import Skipped, run_exclusive
from espelho.syncs.jobs import JobContext, job
from espelho.syncs.spec import SyncCall, SyncSpec, declare


@dataclass(frozen=True)
class OfficeArgs:
    competencia: str | None = None  # MM/YYYY: a full sync of one competência
    restart: bool = False  # a full sync sweeps every detail again instead of resuming an interrupted one


def _sync_office(call: SyncCall[OfficeArgs]) -> service.SyncResult:
    return service.run_sync(call.ctx.database, call.ctx.settings, call.tipo,
                            competencia=call.args.competencia, run_id=call.run_id, progress=call.progress,
                            restart=call.args.restart)


OFFICE_SYNC = declare(SyncSpec(
    origem=service.ORIGEM, args=OfficeArgs,
    tipos={"FULL": "acessorias.sync_full", "INCREMENTAL": "acessorias.sync_incremental"},
    scope=lambda _args: service.ESCOPO, work=_sync_office, competencia=lambda args: args.competencia,
))


class MetricasDiarias(NamedTuple):
    recomputed: int  # metrics cache rows written
    relatorio: RelatorioDoDia  # the day's report, stored for the web app


@job("acessorias.calcular_metricas_diarias")
def calcular_metricas_diarias(ctx: JobContext) -> MetricasDiarias | Skipped:
    """Recompute the dashboards' metrics cache (daily at 00:00 America/Sao_Paulo: 'today' changed), then
    store the day's report of the competência in course (it reads the fresh cache)."""

    def work(_rid: int | None) -> MetricasDiarias:
        return MetricasDiarias(metrics.recompute_all(ctx.database), guardar_relatorio_do_dia(ctx.database))

    return run_exclusive(ctx, "acessorias:metricas", work)
