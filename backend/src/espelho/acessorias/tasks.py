"""Acessórias jobs: incremental sync (every 15 min), full sync (manual), daily metrics.

One office, so one lock scope for its syncs."""

from __future__ import annotations

from typing import Any

from espelho.syncs import service as runs
from espelho.syncs.dispatch import JobContext, job, run_exclusive

SCOPE = "acessorias"


def _sync(
    ctx: JobContext, tipo: str, competencia: str | None, run_id: int | None, lock_token: str | None
) -> dict[str, Any]:
    from espelho.acessorias import service

    return run_exclusive(
        ctx,
        SCOPE,
        lambda rid: service.run_sync(ctx.database, ctx.settings, tipo, competencia=competencia, run_id=rid),
        run_id=run_id,
        lock_token=lock_token,
        new_run=lambda: runs.start_run(
            ctx.database, origem="ACESSORIAS", tipo=tipo, escopo=SCOPE, competencia=competencia
        ),
    )


@job("acessorias.sync_incremental")
def sync_incremental(
    ctx: JobContext, run_id: int | None = None, lock_token: str | None = None
) -> dict[str, Any]:
    return _sync(ctx, "INCREMENTAL", None, run_id, lock_token)


@job("acessorias.sync_full")
def sync_full(
    ctx: JobContext, competencia: str | None = None, run_id: int | None = None, lock_token: str | None = None
) -> dict[str, Any]:
    return _sync(ctx, "FULL", competencia, run_id, lock_token)


@job("acessorias.calcular_metricas_diarias")
def calcular_metricas_diarias(ctx: JobContext) -> dict[str, Any]:
    """Recompute the dashboards' metrics cache (daily at 00:00 America/Sao_Paulo: 'today' changed) and
    store the day's report of the competência in course."""
    from espelho.acessorias import metrics
    from espelho.relatorios.service import guardar_relatorio_do_dia

    def work(_rid: int | None) -> dict[str, Any]:
        return {"recomputed": metrics.recompute_all(ctx.database), **guardar_relatorio_do_dia(ctx.database)}

    return run_exclusive(ctx, "acessorias:metricas", work)
