"""Acessórias read API under /api/v1: processos, passos, desdobramentos, empresas, obrigações, dashboards.

Everything is read from the mirror (never the upstream). Fixed paths (`/processos/competencia/…`,
`/processos/empresa/…`, `/obrigacoes/vencimento/…`) are declared before `/processos/{id}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import FileResponse

from espelho.acessorias import carga, fila, metrics, pessoas, queries
from espelho.acessorias.competencia import Competencia
from espelho.acessorias.historico import TipoAlteracao
from espelho.acessorias.queries import AlteracaoFiltros, ObrigacaoFiltros, ProcessoFiltros
from espelho.acessorias.regras import Pessoa, SituacaoFiltro
from espelho.acessorias.schemas import (
    AlteracaoOut,
    DashboardGargalos,
    DashboardMetricas,
    DashboardRegimes,
    DashboardResponsaveis,
    DashboardTimeline,
    DesdobramentoOut,
    EmpresaOut,
    Fila,
    ManualSyncRequest,
    ObrigacaoOut,
    PassoOut,
    PessoaAcessorias,
    ProcessoDetalhe,
    ProcessoOut,
    Resumo,
)
from espelho.acessorias.sync import restaurar_passos
from espelho.acessorias.tasks import OFFICE_SYNC, OfficeArgs
from espelho.api import IdPath, Page, PageDep, PageParams, SessionDep, SlashOptionalRouter, ordering_query
from espelho.auth.deps import CurrentUserDep, SyncRoleDep
from espelho.clock import today_sao_paulo
from espelho.errors import InvalidInput
from espelho.exports.colunas import tabela
from espelho.exports.files import ARQUIVO, FormatoQ, exportar
from espelho.openapi import error_responses
from espelho.syncs.spec import SyncAccepted, trigger

router = SlashOptionalRouter(prefix="/api/v1", tags=["acessorias"])

CompetenciaQ = Annotated[Competencia | None, Query(description="MM/YYYY (also MM-YYYY or YYYY-MM)")]
ProcessoOrdering = Annotated[str | None, ordering_query(queries.PROCESSO_ORDERING)]
EmpresaOrdering = Annotated[str | None, ordering_query(queries.EMPRESA_ORDERING)]
ObrigacaoOrdering = Annotated[str | None, ordering_query(queries.OBRIGACAO_ORDERING)]
Q = Annotated[str | None, Query(max_length=200, description="Text search")]
Empresa = Annotated[str | None, Query(max_length=30, description="The empresa's id, or a CNPJ/CPF")]
Regime = Annotated[str | None, Query(max_length=200, description=f"Regime label, or {queries.INDEFINIDO}")]
Status = Annotated[
    str | None, Query(max_length=40, description="Concluído, Em andamento… or a letter A/C/S/D/P/W/X")
]
IncluirRemovidos = Annotated[bool, Query(description="Also list processes a full sweep no longer saw")]
Aberto = Annotated[bool | None, Query(description=(
    "true: open processos (not Concluído, Desistência or Excluído, ignoring case and accents); "
    "false: the closed ones (GET /api/v1/regras)"))]
SituacaoQ = Annotated[SituacaoFiltro | None, Query(description=(
    "The obligations' situação as of today: entregue, dispensada, atrasada, a_vencer, or pendente "
    "(atrasada + a_vencer); GET /api/v1/regras"))]
Ativa = Annotated[bool | None, Query(description="true: active only; false: inactive only")]
Tipo = Annotated[str | None, Query(max_length=300, description="DAS, EFD-REINF…")]
ProcessoPage = Page[ProcessoOut] | FileResponse
ResponsavelQ = Annotated[str | None, Query(max_length=20, description=(
    "`me`: only the caller's work (409 `sem_vinculo_acessorias` when the caller is tied to no Acessórias "
    "person); or an Acessórias person's id (MANAGER and ADMIN; a USER only their own)"))]
# 403 another person's work asked by a USER; 409 `me` without a tie.
RESPONSAVEL = error_responses(403, 409)


def responsavel_filtro(session: SessionDep, user: CurrentUserDep,
                       responsavel: ResponsavelQ = None) -> Pessoa | None:
    """The person of `?responsavel=` (pessoas.resolver), or None for everyone's."""
    return pessoas.resolver(session, user, responsavel)


ResponsavelDep = Annotated[Pessoa | None, Depends(responsavel_filtro)]


def _processos_page(session: SessionDep, filtros: ProcessoFiltros, paging: PageParams, ordering: str | None,
                    formato: FormatoQ) -> ProcessoPage:
    """One page of the list, or with `formato` the whole list as a file: the same filters either way."""
    if formato:
        stmt = queries.processos_select(session, filtros, ordering)
        return exportar(session, formato, tabela("processos"), stmt, "processos", filtros.competencia,
                        filtros.status, aba="Processos")
    return Page[ProcessoOut].of(queries.list_processos(session, filtros, paging, ordering), paging)


# ---- the sync trigger ------------------------------------------------------------------------------------


# 409 while a run of the scope is queued or going; 503 when the job queue (Redis) is down.
@router.post("/sync/manual/", status_code=202, response_model=SyncAccepted, tags=["sync"],
             responses=error_responses(409, 503))
def sync_manual(body: ManualSyncRequest, request: Request, _: SyncRoleDep) -> SyncAccepted:
    """Start an Acessórias sync (FULL or INCREMENTAL) in the background. A FULL sync resumes an interrupted
    one unless `restart` is true."""
    args = OfficeArgs(competencia=body.competencia if body.tipo == "FULL" else None, restart=body.restart)
    jobs = request.app.state.jobs
    return trigger(jobs.ctx, jobs.dispatcher, OFFICE_SYNC, body.tipo, args)


# ---- processos ----------------------------------------------------------------------------------------


@router.get("/processos/", response_model=Page[ProcessoOut], responses={**ARQUIVO, **RESPONSAVEL})
def list_processos(session: SessionDep, paging: PageDep, responsavel: ResponsavelDep,
                   competencia: CompetenciaQ = None, status: Status = None, empresa: Empresa = None,
                   regime: Regime = None, q: Q = None, ordering: ProcessoOrdering = None,
                   incluir_removidos: IncluirRemovidos = False, aberto: Aberto = None,
                   formato: FormatoQ = None) -> ProcessoPage:
    """Processes, filtered and ordered (`ordering`: id, proc_id, nome, competencia, status,
    porcentagem_conclusao, dias_corridos, data_inicio, data_conclusao, dt_last_dh; default `-id`).
    `responsavel`: the person's processos (their gestor, or holding a pending passo of theirs)."""
    filtros = ProcessoFiltros(competencia=competencia, status=status, empresa=empresa, regime=regime, q=q,
                              incluir_removidos=incluir_removidos, aberto=aberto, responsavel=responsavel)
    return _processos_page(session, filtros, paging, ordering, formato)


# A `comp` with a slash of its own can miss the route: 404.
@router.get("/processos/competencia/{comp:path}/", response_model=Page[ProcessoOut],
            responses={**ARQUIVO, **error_responses(404)})
def processos_da_competencia(session: SessionDep, paging: PageDep, comp: Competencia, status: Status = None,
                             regime: Regime = None, q: Q = None, ordering: ProcessoOrdering = None,
                             formato: FormatoQ = None) -> ProcessoPage:
    """`comp` as MM-YYYY, YYYY-MM or an encoded MM%2FYYYY."""
    filtros = ProcessoFiltros(competencia=comp, status=status, regime=regime, q=q)
    return _processos_page(session, filtros, paging, ordering, formato)


@router.get("/processos/empresa/{emp_id}/", response_model=Page[ProcessoOut],
            responses={**ARQUIVO, **error_responses(404)})
def processos_da_empresa(session: SessionDep, paging: PageDep, emp_id: IdPath,
                         competencia: CompetenciaQ = None, status: Status = None, q: Q = None,
                         ordering: ProcessoOrdering = None, formato: FormatoQ = None) -> ProcessoPage:
    queries.get_empresa(session, emp_id)
    filtros = ProcessoFiltros(empresa=str(emp_id), competencia=competencia, status=status, q=q)
    return _processos_page(session, filtros, paging, ordering, formato)


@router.get("/processos/{processo_id}/", response_model=ProcessoDetalhe, responses=error_responses(404))
def get_processo(session: SessionDep, processo_id: IdPath) -> ProcessoDetalhe:
    return ProcessoDetalhe.model_validate(queries.get_processo(session, processo_id))


# A process concluded long ago may have had its step tree pruned by the retention: reading it fetches the
# tree again from the upstream first (one call), hence the upstream's statuses.
_PASSOS_ERRORS = error_responses(404, 422, 502, 503, 504)


def _restaurados(request: Request, processo_id: int) -> None:
    ctx = request.app.state.jobs.ctx
    restaurar_passos(ctx.database, ctx.settings, processo_id)


@router.get("/processos/{processo_id}/passos/", response_model=Page[PassoOut], responses=_PASSOS_ERRORS)
def passos_do_processo(request: Request, session: SessionDep, paging: PageDep,
                       processo_id: IdPath) -> Page[PassoOut]:
    """Every step node in tree order (sub-process children carry `pai_id`); `total` counts every node.
    A tree the retention pruned is fetched again from Acessórias first."""
    _restaurados(request, processo_id)
    return Page[PassoOut].of(queries.list_passos(session, processo_id, paging), paging)


def _alteracoes_page(session: SessionDep, filtros: AlteracaoFiltros,
                     paging: PageParams) -> Page[AlteracaoOut]:
    return Page[AlteracaoOut].of(queries.list_alteracoes(session, filtros, paging), paging)


@router.get("/processos/{processo_id}/historico/", response_model=Page[AlteracaoOut],
            responses=error_responses(404))
def historico_do_processo(session: SessionDep, paging: PageDep, processo_id: IdPath) -> Page[AlteracaoOut]:
    """What the syncs saw change on this process (and its obrigações), newest first."""
    return _alteracoes_page(session, AlteracaoFiltros(processo_id=processo_id), paging)


@router.get("/processos/{processo_id}/desdobramentos/", response_model=Page[DesdobramentoOut],
            responses=_PASSOS_ERRORS)
def desdobramentos_do_processo(request: Request, session: SessionDep, paging: PageDep,
                               processo_id: IdPath) -> Page[DesdobramentoOut]:
    _restaurados(request, processo_id)
    return Page[DesdobramentoOut].of(queries.list_desdobramentos(session, processo_id, paging), paging)


# ---- empresas -----------------------------------------------------------------------------------------


@router.get("/empresas/", response_model=Page[EmpresaOut], responses=ARQUIVO)
def list_empresas(session: SessionDep, paging: PageDep, regime: Regime = None, ativa: Ativa = None,
                  q: Q = None, ordering: EmpresaOrdering = None,
                  formato: FormatoQ = None) -> Page[EmpresaOut] | FileResponse:
    """Companies (`ordering`: nome (default), id, codigo, regime_tributario)."""
    listing = queries.empresas_listing(regime=regime, ativa=ativa, q=q, ordering=ordering)
    if formato:
        return exportar(session, formato, tabela("empresas"), listing.ordered(), "empresas", regime,
                        aba="Empresas")
    return Page[EmpresaOut].of(listing.page(session, paging), paging)


@router.get("/empresas/{empresa_id}/", response_model=EmpresaOut, responses=error_responses(404))
def get_empresa(session: SessionDep, empresa_id: IdPath) -> EmpresaOut:
    return EmpresaOut.model_validate(queries.get_empresa(session, empresa_id))


@router.get("/empresas/{empresa_id}/processos/", response_model=Page[ProcessoOut],
            responses={**ARQUIVO, **error_responses(404)})
def processos_de_empresa(session: SessionDep, paging: PageDep, empresa_id: IdPath,
                         competencia: CompetenciaQ = None, status: Status = None, q: Q = None,
                         ordering: ProcessoOrdering = None, formato: FormatoQ = None) -> ProcessoPage:
    return processos_da_empresa(session, paging, empresa_id, competencia, status, q, ordering, formato)


# ---- obrigações ---------------------------------------------------------------------------------------


ObrigacaoPage = Page[ObrigacaoOut] | FileResponse


def _obrigacoes_page(session: SessionDep, filtros: ObrigacaoFiltros, paging: PageParams, ordering: str | None,
                     formato: FormatoQ) -> ObrigacaoPage:
    """One page of the list, or with `formato` the whole list as a file: the same filters either way."""
    listing = queries.obrigacoes_listing(filtros, ordering)
    if formato:
        return exportar(session, formato, tabela("obrigacoes"), listing.ordered(), "obrigacoes",
                        filtros.competencia, filtros.situacao, filtros.status, aba="Obrigações")
    return Page[ObrigacaoOut].of(listing.page(session, paging), paging)


@router.get("/obrigacoes/vencimento/{dia}/", response_model=Page[ObrigacaoOut], responses=ARQUIVO)
def obrigacoes_do_vencimento(session: SessionDep, paging: PageDep, dia: str, status: Status = None,
                             tipo: Tipo = None, empresa: Empresa = None, situacao: SituacaoQ = None,
                             ordering: ObrigacaoOrdering = None, formato: FormatoQ = None) -> ObrigacaoPage:
    """Obligations due on `dia` (YYYY-MM-DD)."""
    iso = queries.parse_date(dia, "dia").isoformat()
    filtros = ObrigacaoFiltros(status=status, tipo=tipo, empresa=empresa, de=iso, ate=iso, situacao=situacao)
    return _obrigacoes_page(session, filtros, paging, ordering, formato)


@router.get("/obrigacoes/", response_model=Page[ObrigacaoOut], responses={**ARQUIVO, **RESPONSAVEL})
def list_obrigacoes(
    session: SessionDep,
    paging: PageDep,
    responsavel: ResponsavelDep,
    status: Annotated[str | None, Query(max_length=40, description="Raw label: Pendente, Entregue…")] = None,
    tipo: Tipo = None,
    empresa: Empresa = None,
    competencia: CompetenciaQ = None,
    de: Annotated[str | None, Query(max_length=10, description="Due on or after (YYYY-MM-DD)")] = None,
    ate: Annotated[str | None, Query(max_length=10, description="Due on or before (YYYY-MM-DD)")] = None,
    situacao: SituacaoQ = None,
    ordering: ObrigacaoOrdering = None,
    formato: FormatoQ = None,
) -> ObrigacaoPage:
    """Obligations (`ordering`: data_vencimento (default), proximidade (the due dates nearest today first,
    either side), data_entrega, tipo, status, id); `responsavel`: the person's (their responsável)."""
    filtros = ObrigacaoFiltros(status=status, tipo=tipo, empresa=empresa, competencia=competencia, de=de,
                               ate=ate, situacao=situacao, responsavel=responsavel)
    return _obrigacoes_page(session, filtros, paging, ordering, formato)


# ---- change history -----------------------------------------------------------------------------------


@router.get("/alteracoes/", response_model=Page[AlteracaoOut])
def list_alteracoes(
    session: SessionDep,
    paging: PageDep,
    desde: Annotated[datetime | None, Query(description="Seen at or after (ISO date or time; "
                                                        "without an offset, Brasília time)")] = None,
    empresa: Empresa = None,
    tipo: Annotated[TipoAlteracao | None, Query(description="One kind of change")] = None,
) -> Page[AlteracaoOut]:
    """Every change the syncs saw (processos and obrigações), newest first: the dashboard's feed."""
    return _alteracoes_page(session, AlteracaoFiltros(desde=desde, empresa=empresa, tipo=tipo), paging)


# ---- the office at a glance, and the dashboards ----------------------------------------------------------


@router.get("/resumo/", response_model=Resumo, responses=RESPONSAVEL)
def resumo(session: SessionDep, responsavel: ResponsavelDep) -> Resumo:
    """The office as of today, over every competência: open processos, and the obligations by situação
    (the numbers the WhatsApp commands, the alerts and the lists' `situacao`/`aberto` filters give); with
    `responsavel`, the person's only (the lists' `responsavel` filter, the WhatsApp `minhas`)."""
    return Resumo.model_validate(queries.resumo(session, today_sao_paulo(), responsavel))


# ADMIN and MANAGER: the people (and their e-mails) a user can be tied to, or whose work one can ask for.
@router.get("/pessoas/", response_model=Page[PessoaAcessorias])
def list_pessoas(_: SyncRoleDep, session: SessionDep, paging: PageDep, q: Q = None) -> Page[PessoaAcessorias]:
    """The office's people in Acessórias (`/users`, read by the sync), by name; `q` searches nome and e-mail.
    Their `id` is what `responsavel=<id>` and `PATCH /api/v1/usuarios/{id}` `acessorias_usuario_id` take."""
    return Page[PessoaAcessorias].of(pessoas.listar(session, q, paging), paging)


@router.get("/fila/", response_model=Fila, responses=RESPONSAVEL)
def minha_fila(
    session: SessionDep,
    user: CurrentUserDep,
    responsavel: Annotated[str, Query(max_length=20, description=(
        "`me` (default): the caller's queue (409 `sem_vinculo_acessorias` without a tie); or an Acessórias "
        "person's id (MANAGER and ADMIN)"))] = pessoas.EU,
    limite: Annotated[int, Query(ge=1, le=200, description="Items listed per part (totals count all)")] = 50,
) -> Fila:
    """One person's queue ("Minha fila"; the WhatsApp `minhas` says the same): their overdue obrigações,
    theirs due in the next vencem_dias days, and their open processos with the passo each stands on and for
    how long, longest standing first."""
    pessoa = pessoas.resolver(session, user, responsavel) or pessoas.minha(session, user)
    return Fila.model_validate(fila.fila(session, pessoa, today_sao_paulo(), limite))


@router.get("/dashboard/metricas/", response_model=DashboardMetricas)
def dashboard_metricas(
    session: SessionDep, competencia: CompetenciaQ = None, regime: Regime = None
) -> DashboardMetricas:
    """Totals of one competência (all of them without `competencia`) and the change against the previous."""
    return DashboardMetricas.model_validate(metrics.dashboard_metricas(session, competencia, regime))


@router.get("/dashboard/regimes/", response_model=DashboardRegimes)
def dashboard_regimes(session: SessionDep, competencia: CompetenciaQ = None) -> DashboardRegimes:
    """Per regime (the company's label, or Indefinido): total, concluidos, taxa_conclusao, media_dias."""
    return DashboardRegimes.model_validate(metrics.dashboard_regimes(session, competencia))


@router.get("/dashboard/timeline/", response_model=DashboardTimeline)
def dashboard_timeline(
    session: SessionDep,
    de: Annotated[Competencia | None, Query(description="First competência")] = None,
    ate: Annotated[Competencia | None, Query(description="Last competência")] = None,
    competencia: CompetenciaQ = None,
) -> DashboardTimeline:
    """Per competência in [de, ate]; with `competencia`, per day inside that one."""
    if competencia:
        if de or ate:
            raise InvalidInput(
                "competencia (per day) cannot be combined with de/ate (per competência)",
                detail={"field": "competencia", "input": competencia},
            )
        return DashboardTimeline.model_validate(metrics.dashboard_timeline_diaria(session, competencia))
    if de and ate and de.ordem > ate.ordem:
        raise InvalidInput(f"de ({de}) is after ate ({ate})", detail={"field": "de", "input": de})
    return DashboardTimeline.model_validate(metrics.dashboard_timeline(session, de, ate))


@router.get("/dashboard/responsaveis/", response_model=DashboardResponsaveis)
def dashboard_responsaveis(session: SessionDep, user: CurrentUserDep,
                           competencia: CompetenciaQ = None) -> Any:
    """Per person Acessórias names as step or delivery responsável: pending and concluded passos of the
    competência's processes; pending and delivered obligations of the competência, and their overdue
    obligations of any competência as of today. The caller's own row says `eu: true`."""
    return carga.responsaveis(session, competencia, pessoas.pessoa_do_usuario(session, user))


@router.get("/dashboard/gargalos/", response_model=DashboardGargalos)
def dashboard_gargalos(session: SessionDep, competencia: CompetenciaQ = None) -> Any:
    """The passos where the competência's open processes stand (their first pending step), with the
    median days since each process last changed upstream."""
    return carga.gargalos(session, competencia)
