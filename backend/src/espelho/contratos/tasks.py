"""Comprasnet jobs: the daily base sync of a UASG and the on-demand sync of one contract's tabs."""

from __future__ import annotations

from typing import Any

from espelho.syncs import service as runs
from espelho.syncs.dispatch import JobContext, job, run_exclusive


@job("contratos.sync_uasg")
def sync_uasg(ctx: JobContext, uasg: str, run_id: int | None = None,
              lock_token: str | None = None) -> dict[str, Any]:
    """Base sync of one UASG's contracts; one run per UASG at a time (scope "uasg:{code}")."""
    from espelho.contratos import service

    scope = f"uasg:{uasg}"
    return run_exclusive(
        ctx, scope,
        lambda rid: service.run_uasg_sync(ctx.database, ctx.settings, uasg, run_id=rid),
        run_id=run_id, lock_token=lock_token,
        new_run=lambda: runs.start_run(ctx.database, origem="COMPRASNET", tipo="UASG", escopo=scope))


@job("contratos.sync_dataset")
def sync_dataset(ctx: JobContext, contrato_id: int, data_types: list[str] | None = None,
                 lock_token: str | None = None) -> dict[str, Any]:
    """Refresh one contract's tabs (all, or `data_types`); one at a time per contract."""
    from espelho.contratos import service

    return run_exclusive(
        ctx, f"contrato:{contrato_id}",
        lambda _rid: service.run_contrato_sync(ctx.database, ctx.settings, contrato_id, data_types),
        lock_token=lock_token)
