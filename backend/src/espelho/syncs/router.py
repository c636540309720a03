"""Sync triggers (ADMIN or MANAGER): answer 202 with the run id; the sync runs in the background."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import Query, Request
from pydantic import BaseModel, Field

from espelho.api import SlashOptionalRouter
from espelho.auth.deps import SyncRoleDep
from espelho.errors import InvalidInput
from espelho.openapi import error_responses
from espelho.syncs.dispatch import BackgroundJobs, trigger

router = SlashOptionalRouter(tags=["sync"])

ACESSORIAS_SCOPE = "acessorias"


def uasg_scope(uasg: str) -> str:
    return f"uasg:{uasg}"


class ManualSyncRequest(BaseModel):
    tipo: Literal["FULL", "INCREMENTAL"] = "INCREMENTAL"
    competencia: str | None = Field(default=None,
                                    description="MM/YYYY (FULL only: restrict to a competência)")


class SyncAccepted(BaseModel):
    run_id: int
    status: Literal["INICIADA"] = "INICIADA"
    origem: str
    tipo: str
    escopo: str


def _jobs(request: Request) -> BackgroundJobs:
    return request.app.state.jobs


# 409 while a run of the scope is queued or going; 503 when the job queue (Redis) is down.
@router.post("/api/v1/sync/manual/", status_code=202, response_model=SyncAccepted,
             responses=error_responses(409, 503))
def sync_manual(body: ManualSyncRequest, request: Request, _: SyncRoleDep) -> SyncAccepted:
    """Start an Acessórias sync (FULL or INCREMENTAL) in the background."""
    competencia = body.competencia
    if competencia is not None and not re.fullmatch(r"(0[1-9]|1[0-2])/\d{4}", competencia.strip()):
        raise InvalidInput("competencia must be MM/YYYY",
                           detail={"field": "competencia", "input": competencia})
    task = "acessorias.sync_full" if body.tipo == "FULL" else "acessorias.sync_incremental"
    kwargs = {"competencia": competencia.strip()} if competencia and body.tipo == "FULL" else {}
    run_id = trigger(_jobs(request), name=task, scope=ACESSORIAS_SCOPE, origem="ACESSORIAS", tipo=body.tipo,
                     competencia=kwargs.get("competencia"), kwargs=kwargs)
    return SyncAccepted(run_id=run_id, origem="ACESSORIAS", tipo=body.tipo, escopo=ACESSORIAS_SCOPE)


@router.post("/api/contratos/sync/", status_code=202, response_model=SyncAccepted,
             responses=error_responses(409, 503), tags=["contratos"])
def sync_contratos(
    request: Request,
    _: SyncRoleDep,
    uasg: Annotated[str, Query(description="UASG code (6 digits)")],
) -> SyncAccepted:
    """Start the base sync of a UASG's contracts in the background."""
    uasg = uasg.strip()
    if not re.fullmatch(r"\d{6}", uasg):
        raise InvalidInput("uasg must be a 6-digit code", detail={"field": "uasg", "input": uasg})
    scope = uasg_scope(uasg)
    run_id = trigger(_jobs(request), name="contratos.sync_uasg", scope=scope, origem="COMPRASNET",
                     tipo="UASG", kwargs={"uasg": uasg})
    return SyncAccepted(run_id=run_id, origem="COMPRASNET", tipo="UASG", escopo=scope)
