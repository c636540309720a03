"""Relatórios and workload under /api/v1: the competência report, the stored daily reports, the
workload per responsável and the bottleneck passos."""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from espelho.acessorias import queries
from espelho.api import SessionDep, SlashOptionalRouter
from espelho.relatorios import carga, service
from espelho.relatorios.export import XLSX_MIME
from espelho.relatorios.schemas import DashboardGargalos, DashboardResponsaveis, RelatorioOut

router = SlashOptionalRouter(prefix="/api/v1", tags=["relatorios"])

Competencia = Annotated[str | None, Query(max_length=20, description="MM/YYYY (also MM-YYYY or YYYY-MM)")]
_XLSX: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The workbook (attachment)",
        "content": {XLSX_MIME: {"schema": {"type": "string", "format": "binary"}}},
    },
    404: {"description": "No such report"},
}


def _competencia(value: str | None) -> str | None:
    return queries.parse_competencia(value) if value else None


@router.get("/dashboard/responsaveis/", response_model=DashboardResponsaveis)
def dashboard_responsaveis(session: SessionDep, competencia: Competencia = None) -> Any:
    """Per person Acessórias names as step or delivery responsável: pending and concluded passos of the
    competência's processes; pending, overdue and delivered obligations of the competência."""
    return carga.responsaveis(session, _competencia(competencia))


@router.get("/dashboard/gargalos/", response_model=DashboardGargalos)
def dashboard_gargalos(session: SessionDep, competencia: Competencia = None) -> Any:
    """The passos where the competência's open processes stand (their first pending step), with the
    median days since each process last changed upstream."""
    return carga.gargalos(session, _competencia(competencia))


@router.get("/relatorios/", response_model=list[RelatorioOut])
def list_relatorios(session: SessionDep) -> Any:
    """The reports the daily job stored (the last 30), newest first."""
    return service.listar(session)


@router.get("/relatorios/{relatorio_id}/arquivo/", response_class=Response, responses=_XLSX)
def download_relatorio(
    session: SessionDep, relatorio_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> Response:
    stored = service.obter(session, relatorio_id)
    return Response(
        stored.conteudo,
        media_type=XLSX_MIME,
        headers={"Content-Disposition": f'attachment; filename="{stored.nome_arquivo}"'},
    )


@router.get("/relatorios/competencia/{comp}/", response_class=FileResponse, responses=_XLSX)
def relatorio_da_competencia(
    session: SessionDep,
    comp: Annotated[str, Path(max_length=20, description="MM-YYYY (or YYYY-MM)")],
    formato: Annotated[
        Literal["xlsx"], Query(description="Only xlsx: a workbook of several sheets")
    ] = "xlsx",
) -> FileResponse:
    """The competência's report generated now: Resumo (dashboard figures, change against the previous
    competência, per regime), Processos em aberto, Obrigações (overdue and due in 7 days), Contratos a
    vencer (30/60/90 days), Responsáveis, Gargalos."""
    competencia = queries.parse_competencia(comp, "comp")
    path = service.gerar(session, competencia)
    return FileResponse(
        path,
        media_type=XLSX_MIME,
        filename=service.nome_do_relatorio(competencia),
        background=BackgroundTask(os.unlink, path),
    )
