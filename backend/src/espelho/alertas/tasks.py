"""The scheduled alert run (ESPELHO_SCHEDULE_ALERTAS); one at a time (the `alertas` scope's lock, which
`espelho whatsapp alertas` takes too). The immediate notices, as often as the Acessórias probe."""

from __future__ import annotations

from espelho.alertas import avisos, service
from espelho.alertas.schemas import AlertasResult
from espelho.jobs.registry import JobContext, job
from espelho.syncs.exclusive import Skipped, run_exclusive


@job("alertas.avisar")
def avisar(ctx: JobContext) -> avisos.AvisosResult | Skipped:
    """Immediate notices (as often as the Acessórias probe, which is what finds the news)."""
    return run_exclusive(ctx, avisos.SCOPE, lambda _rid: avisos.executar(ctx.database, ctx.settings))


@job("alertas.enviar")
def enviar(ctx: JobContext) -> AlertasResult | Skipped:
    return run_exclusive(ctx, service.SCOPE, lambda _rid: service.executar(ctx.database, ctx.settings))
