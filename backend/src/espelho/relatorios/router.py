"""Relatórios under /api/v1: the competência report and the stored daily reports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query
from fastapi.responses import FileResponse, Response

from espelho.acessorias.competencia import Competencia
from espelho.api import SessionDep, SlashOptionalRouter
from espelho.exports.files import XLSX_MIME, enviar
from espelho.relatorios import service
from espelho.relatorios.schemas import RelatorioOut

router = SlashOptionalRouter(prefix="/api/v1", tags=["relatorios"])

_XLSX: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The workbook (attachment)",
        "content": {XLSX_MIME: {"schema": {"type": "string", "format": "binary"}}},
    },
    404: {"description": "No such report"},
}


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
    comp: Annotated[Competencia, Path(description="MM-YYYY (or YYYY-MM)")],
    formato: Annotated[
        Literal["xlsx"], Query(description="Only xlsx: a workbook of several sheets")
    ] = "xlsx",
) -> FileResponse:
    """The competência's report generated now: Resumo (dashboard figures, change against the previous
    competência, per regime), Processos em aberto, Obrigações (overdue and due in 7 days), Contratos a
    vencer (30/60/90 days), Responsáveis, Gargalos."""
    return enviar(service.gerar(session, comp), "xlsx", service.nome_do_relatorio(comp))
