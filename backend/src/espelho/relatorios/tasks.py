"""The day's report (daily, on the metrics job's schedule): stored for the web app's Relatórios page."""

from __future__ import annotations

from espelho.jobs.registry import JobContext, job
from espelho.relatorios.service import RelatorioDoDia, guardar_relatorio_do_dia
from espelho.syncs.exclusive import Skipped, run_exclusive


@job("relatorios.guardar_relatorio_do_dia")
def relatorio_do_dia(ctx: JobContext) -> RelatorioDoDia | Skipped:
    """Store the day's report of the current competência (replacing an earlier one of today)."""
    return run_exclusive(ctx, "relatorios:diario", lambda _rid: guardar_relatorio_do_dia(ctx.database))
