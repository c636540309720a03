"""Acessórias read API under /api/v1: processos, passos, desdobramentos, empresas, obrigações, dashboards.

Everything is read from the mirror (never the upstream). Fixed paths (`/processos/competencia/…`,
`/processos/empresa/…`, `/obrigacoes/vencimento/…`) are declared before `/processos/{id}`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from espelho.acessorias import metrics, queries
from espelho.acessorias.queries import ObrigacaoFiltros, ProcessoFiltros
from espelho.acessorias.responses import (
    DashboardMetricas,
    DashboardRegimes,
    DashboardTimeline,
    DesdobramentoOut,
    EmpresaOut,
    ObrigacaoOut,
    PassoOut,
    ProcessoDetalhe,
    ProcessoOut,
)
from espelho.api import Id, Page, PageDep, PageParams, SessionDep, SlashOptionalRouter
from espelho.errors import InvalidInput
from espelho.openapi import error_responses

router = SlashOptionalRouter(prefix="/api/v1", tags=["acessorias"])

Competencia = Annotated[str | None, Query(max_length=20, description="MM/YYYY (also MM-YYYY or YYYY-MM)")]
Ordering = Annotated[str | None, Query(max_length=40, description="A field name; prefix '-' for descending")]
Q = Annotated[str | None, Query(max_length=200, description="Text search")]
Empresa = Annotated[str | None, Query(max_length=30, description="The empresa's id, or a CNPJ/CPF")]
Regime = Annotated[str | None, Query(max_length=200, description=f"Regime label, or {queries.INDEFINIDO}")]
Status = Annotated[
    str | None, Query(max_length=40, description="Concluído, Em andamento… or a letter A/C/S/D/P/W/X")
]
IncluirRemovidos = Annotated[bool, Query(description="Also list processes a full sweep no longer saw")]
IdPath = Annotated[Id, Path()]


def _processos_page(
    session: SessionDep, filtros: ProcessoFiltros, paging: PageParams, ordering: str | None
) -> Page[ProcessoOut]:
    items, total = queries.list_processos(session, filtros, paging, ordering)
    return Page[ProcessoOut](
        items=[ProcessoOut.model_validate(i) for i in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


# ---- processos ----------------------------------------------------------------------------------------


@router.get("/processos/", response_model=Page[ProcessoOut])
def list_processos(
    session: SessionDep,
    paging: PageDep,
    competencia: Competencia = None,
    status: Status = None,
    empresa: Empresa = None,
    regime: Regime = None,
    q: Q = None,
    ordering: Ordering = None,
    incluir_removidos: IncluirRemovidos = False,
) -> Page[ProcessoOut]:
    """Processes, filtered and ordered (`ordering`: id, proc_id, nome, competencia, status,
    porcentagem_conclusao, dias_corridos, data_inicio, data_conclusao, dt_last_dh; default `-id`)."""
    filtros = ProcessoFiltros(
        competencia=competencia,
        status=status,
        empresa=empresa,
        regime=regime,
        q=q,
        incluir_removidos=incluir_removidos,
    )
    return _processos_page(session, filtros, paging, ordering)


@router.get("/processos/competencia/{comp:path}/", response_model=Page[ProcessoOut])
def processos_da_competencia(
    session: SessionDep,
    paging: PageDep,
    comp: str,
    status: Status = None,
    regime: Regime = None,
    q: Q = None,
    ordering: Ordering = None,
) -> Page[ProcessoOut]:
    """`comp` as MM-YYYY, YYYY-MM or an encoded MM%2FYYYY."""
    # The path converter also swallows a trailing slash.
    filtros = ProcessoFiltros(
        competencia=queries.parse_competencia(comp.rstrip("/"), "comp"), status=status, regime=regime, q=q
    )
    return _processos_page(session, filtros, paging, ordering)


@router.get("/processos/empresa/{emp_id}/", response_model=Page[ProcessoOut], responses=error_responses(404))
def processos_da_empresa(
    session: SessionDep,
    paging: PageDep,
    emp_id: IdPath,
    competencia: Competencia = None,
    status: Status = None,
    q: Q = None,
    ordering: Ordering = None,
) -> Page[ProcessoOut]:
    queries.get_empresa(session, emp_id)
    filtros = ProcessoFiltros(empresa=str(emp_id), competencia=competencia, status=status, q=q)
    return _processos_page(session, filtros, paging, ordering)


@router.get("/processos/{processo_id}/", response_model=ProcessoDetalhe, responses=error_responses(404))
def get_processo(session: SessionDep, processo_id: IdPath) -> ProcessoDetalhe:
    return ProcessoDetalhe.model_validate(queries.get_processo(session, processo_id))


@router.get("/processos/{processo_id}/passos/", response_model=Page[PassoOut], responses=error_responses(404))
def passos_do_processo(
    session: SessionDep, paging: PageDep, processo_id: IdPath
) -> Page[PassoOut]:
    """Every step node in tree order (sub-process children carry `pai_id`); `total` counts every node."""
    items, total = queries.list_passos(session, processo_id, paging)
    return Page[PassoOut](
        items=[PassoOut.model_validate(i) for i in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/processos/{processo_id}/desdobramentos/",
    response_model=Page[DesdobramentoOut],
    responses=error_responses(404),
)
def desdobramentos_do_processo(
    session: SessionDep, paging: PageDep, processo_id: IdPath
) -> Page[DesdobramentoOut]:
    items, total = queries.list_desdobramentos(session, processo_id, paging)
    return Page[DesdobramentoOut](
        items=[DesdobramentoOut.model_validate(i) for i in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


# ---- empresas -----------------------------------------------------------------------------------------


@router.get("/empresas/", response_model=Page[EmpresaOut])
def list_empresas(
    session: SessionDep,
    paging: PageDep,
    regime: Regime = None,
    ativa: Annotated[bool | None, Query(description="true: active only; false: inactive only")] = None,
    q: Q = None,
    ordering: Ordering = None,
) -> Page[EmpresaOut]:
    """Companies (`ordering`: nome (default), id, codigo, regime_tributario)."""
    items, total = queries.list_empresas(session, paging, regime=regime, ativa=ativa, q=q, ordering=ordering)
    return Page[EmpresaOut](
        items=[EmpresaOut.model_validate(e) for e in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/empresas/{empresa_id}/", response_model=EmpresaOut, responses=error_responses(404))
def get_empresa(session: SessionDep, empresa_id: IdPath) -> EmpresaOut:
    return EmpresaOut.model_validate(queries.get_empresa(session, empresa_id))


@router.get(
    "/empresas/{empresa_id}/processos/", response_model=Page[ProcessoOut], responses=error_responses(404)
)
def processos_de_empresa(
    session: SessionDep,
    paging: PageDep,
    empresa_id: IdPath,
    competencia: Competencia = None,
    status: Status = None,
    q: Q = None,
    ordering: Ordering = None,
) -> Page[ProcessoOut]:
    return processos_da_empresa(session, paging, empresa_id, competencia, status, q, ordering)


# ---- obrigações ---------------------------------------------------------------------------------------


def _obrigacoes_page(
    session: SessionDep, filtros: ObrigacaoFiltros, paging: PageParams, ordering: str | None
) -> Page[ObrigacaoOut]:
    items, total = queries.list_obrigacoes(session, filtros, paging, ordering)
    return Page[ObrigacaoOut](
        items=[ObrigacaoOut.model_validate(i) for i in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/obrigacoes/vencimento/{dia}/", response_model=Page[ObrigacaoOut])
def obrigacoes_do_vencimento(
    session: SessionDep,
    paging: PageDep,
    dia: str,
    status: Status = None,
    tipo: Annotated[str | None, Query(max_length=300)] = None,
    empresa: Empresa = None,
    ordering: Ordering = None,
) -> Page[ObrigacaoOut]:
    """Obligations due on `dia` (YYYY-MM-DD)."""
    iso = queries.parse_date(dia, "dia").isoformat()
    filtros = ObrigacaoFiltros(status=status, tipo=tipo, empresa=empresa, de=iso, ate=iso)
    return _obrigacoes_page(session, filtros, paging, ordering)


@router.get("/obrigacoes/", response_model=Page[ObrigacaoOut])
def list_obrigacoes(
    session: SessionDep,
    paging: PageDep,
    status: Annotated[str | None, Query(max_length=40, description="Raw label: Pendente, Entregue…")] = None,
    tipo: Annotated[str | None, Query(max_length=300, description="DAS, EFD-REINF…")] = None,
    empresa: Empresa = None,
    competencia: Competencia = None,
    de: Annotated[str | None, Query(max_length=10, description="Due on or after (YYYY-MM-DD)")] = None,
    ate: Annotated[str | None, Query(max_length=10, description="Due on or before (YYYY-MM-DD)")] = None,
    ordering: Ordering = None,
) -> Page[ObrigacaoOut]:
    """Obligations (`ordering`: data_vencimento (default), data_entrega, tipo, status, id)."""
    filtros = ObrigacaoFiltros(
        status=status, tipo=tipo, empresa=empresa, competencia=competencia, de=de, ate=ate
    )
    return _obrigacoes_page(session, filtros, paging, ordering)


# ---- dashboards ---------------------------------------------------------------------------------------


@router.get("/dashboard/metricas/", response_model=DashboardMetricas)
def dashboard_metricas(
    session: SessionDep, competencia: Competencia = None, regime: Regime = None
) -> DashboardMetricas:
    """Totals of one competência (all of them without `competencia`) and the change against the previous."""
    comp = queries.parse_competencia(competencia) if competencia else None
    return DashboardMetricas.model_validate(metrics.dashboard_metricas(session, comp, regime))


@router.get("/dashboard/regimes/", response_model=DashboardRegimes)
def dashboard_regimes(session: SessionDep, competencia: Competencia = None) -> DashboardRegimes:
    """Per regime (the company's label, or Indefinido): total, concluidos, taxa_conclusao, media_dias."""
    comp = queries.parse_competencia(competencia) if competencia else None
    return DashboardRegimes.model_validate(metrics.dashboard_regimes(session, comp))


@router.get("/dashboard/timeline/", response_model=DashboardTimeline)
def dashboard_timeline(
    session: SessionDep,
    de: Annotated[str | None, Query(max_length=20, description="First competência")] = None,
    ate: Annotated[str | None, Query(max_length=20, description="Last competência")] = None,
    competencia: Competencia = None,
) -> DashboardTimeline:
    """Per competência in [de, ate]; with `competencia`, per day inside that one."""
    if competencia:
        if de or ate:
            raise InvalidInput(
                "competencia (per day) cannot be combined with de/ate (per competência)",
                detail={"field": "competencia", "input": competencia},
            )
        comp = queries.parse_competencia(competencia)
        return DashboardTimeline.model_validate(metrics.dashboard_timeline_diaria(session, comp))
    first = queries.parse_competencia(de, "de") if de else None
    last = queries.parse_competencia(ate, "ate") if ate else None
    if first and last and queries.competencia_ordem(first) > queries.competencia_ordem(last):
        raise InvalidInput(f"de ({first}) is after ate ({last})", detail={"field": "de", "input": de})
    return DashboardTimeline.model_validate(metrics.dashboard_timeline(session, first, last))
