"""Sync triggers (ADMIN or MANAGER): answer 202 with the run id; the sync runs in the background."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Request
from pydantic import BaseModel, Field

from espelho.acessorias.competencia import Competencia
from espelho.acessorias.tasks import OFFICE_SYNC, OfficeArgs
from espelho.api import SlashOptionalRouter
from espelho.auth.deps import SyncRoleDep
from espelho.contratos.tasks import UASG_SYNC, UasgArgs
from espelho.syncs.spec import SyncAccepted, trigger

router = SlashOptionalRouter(tags=["sync"])


class ManualSyncRequest(BaseModel):
    tipo: Literal["FULL", "INCREMENTAL"] = "INCREMENTAL"
    competencia: Competencia | None = Field(default=None,
                                            description="MM/YYYY (FULL only: restrict to a competência)")


_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "A run of this scope is going"}}


@router.post("/api/v1/sync/manual/", status_code=202, response_model=SyncAccepted, responses=_CONFLICT)
def sync_manual(body: ManualSyncRequest, request: Request, _: SyncRoleDep) -> SyncAccepted:
    """Start an Acessórias sync (FULL or INCREMENTAL) in the background."""
    args = OfficeArgs(competencia=body.competencia if body.tipo == "FULL" else None)
    jobs = request.app.state.jobs
    return trigger(jobs.ctx, jobs.dispatcher, OFFICE_SYNC, body.tipo, args)


@router.post("/api/contratos/sync/", status_code=202, response_model=SyncAccepted, responses=_CONFLICT,
             tags=["contratos"])
def sync_contratos(
    request: Request,
    _: SyncRoleDep,
    uasg: Annotated[str, Query(description="UASG code (6 digits)")],
) -> SyncAccepted:
    """Start the base sync of a UASG's contracts in the background."""
    jobs = request.app.state.jobs
    return trigger(jobs.ctx, jobs.dispatcher, UASG_SYNC, "UASG", UasgArgs(uasg))
