"""The daily retention job (ESPELHO_SCHEDULE_RETENCAO): prune, then store the day's database size. One at
a time (the `retencao` scope's lock); not recorded as a sync run."""

from __future__ import annotations

from espelho.jobs.registry import JobContext, job
from espelho.logging_setup import get_logger
from espelho.retencao import service
from espelho.syncs.exclusive import Skipped, run_exclusive

log = get_logger(__name__)
SCOPE = "retencao"


@job("retencao.aplicar")
def aplicar(ctx: JobContext) -> service.PruneResult | Skipped:
    def work(_rid: int | None) -> service.PruneResult:
        result = service.prune(ctx.database, ctx.settings)
        size = service.record_size(ctx.database)
        log.info("retencao.aplicada", removed=result.removed, size_bytes=size)
        return result

    return run_exclusive(ctx, SCOPE, work)
