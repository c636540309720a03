"""The scheduled alert run (ESPELHO_SCHEDULE_ALERTAS); one at a time."""

from __future__ import annotations

from typing import Any

from espelho.alertas.service import SCOPE
from espelho.syncs.dispatch import JobContext, job, run_exclusive


@job("alertas.enviar")
def enviar(ctx: JobContext) -> dict[str, Any]:
    from espelho.alertas import service

    return run_exclusive(ctx, SCOPE, lambda _rid: service.executar(ctx.database, ctx.settings))
