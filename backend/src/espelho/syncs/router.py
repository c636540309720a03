"""Sync triggers (ADMIN or MANAGER): answer 202 with the run id; the sync runs in the background."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request
from pydantic import BaseModel, Field, model_validator

from espelho.acessorias.competencia import Competencia
from espelho.acessorias.tasks import OFFICE_SYNC, OfficeArgs
from espelho.api import SlashOptionalRouter
from espelho.auth.deps import SyncRoleDep
from espelho.contratos.tasks import UASG_SYNC, UasgArgs
from espelho.openapi import error_responses
from espelho.syncs.spec import SyncAccepted, trigger

router = SlashOptionalRouter(tags=["sync"])


class ManualSyncRequest(BaseModel):
    tipo: Literal["FULL", "INCREMENTAL"] = "INCREMENTAL"
    competencia: Competencia | None = Field(default=None,
                                            description="MM/YYYY (FULL only: restrict to a competência)")
    restart: bool = Field(default=False, description=(
        "FULL only: fetch every detail again instead of resuming an interrupted full sync "
        "(the CLI's --restart)"))

    @model_validator(mode="after")
    def _restart_goes_with_full(self) -> ManualSyncRequest:
        if self.restart and self.tipo != "FULL":
            raise ValueError("restart goes with tipo FULL")
        return self


# 409 while a run of the scope is queued or going; 503 when the job queue (Redis) is down.
@router.post("/api/v1/sync/manual/", status_code=202, response_model=SyncAccepted,
             responses=error_responses(409, 503))
def sync_manual(body: ManualSyncRequest, request: Request, _: SyncRoleDep) -> SyncAccepted:
    """Start an Acessórias sync (FULL or INCREMENTAL) in the background. A FULL sync resumes an interrupted
    one unless `restart` is true."""
    args = OfficeArgs(competencia=body.competencia if body.tipo == "FULL" else None, restart=body.restart)
    jobs = request.app.state.jobs
    return trigger(jobs.ctx, jobs.dispatcher, OFFICE_SYNC, body.tipo, args)


@router.post("/api/contratos/sync/", status_code=202, response_model=SyncAccepted,
             responses=error_responses(409, 503), tags=["contratos"])
def sync_contratos(
    request: Request,
    _: SyncRoleDep,
    uasg: Annotated[str, Query(description="UASG code (6 digits)")],
) -> SyncAccepted:
    """Start the base sync of a UASG's contracts in the background."""
    jobs = request.app.state.jobs
    return trigger(jobs.ctx, jobs.dispatcher, UASG_SYNC, "UASG", UasgArgs(uasg))
