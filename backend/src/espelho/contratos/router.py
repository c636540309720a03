"""HTTP API of the Comprasnet mirror under /api/contratos. Reads come from the database only; the two
`sincronizar` routes are the only ones that call the upstream, and POST /api/contratos/sync starts a UASG
base sync in the background.

Fixed paths are declared before /{id} (an int), so /vencidos and friends never reach the detail route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Body, Depends, Path, Query, Request
from fastapi.responses import FileResponse

from espelho.api import (
    Page,
    PageDep,
    PageParams,
    SessionDep,
    SettingsDep,
    SlashOptionalRouter,
    UpstreamId,
    ordering_query,
)
from espelho.auth.deps import SyncRoleDep
from espelho.contratos import queries, sync
from espelho.contratos.abas import ABAS, AbaSpec
from espelho.contratos.models import Contrato
from espelho.contratos.schemas import (
    Aba,
    AbaSyncOut,
    ContratoDetalhe,
    ContratoResumo,
    ContratoSyncIn,
    ContratoSyncOut,
    UasgOut,
)
from espelho.contratos.tasks import (
    CONTRATO_SYNC,
    UASG_SYNC,
    ContratoArgs,
    UasgArgs,
    contrato_scope,
    uasg_scope,
)
from espelho.exports.colunas import tabela
from espelho.exports.files import ARQUIVO, FormatoQ, em_colunas, exportar
from espelho.openapi import error_responses
from espelho.syncs.exclusive import busy, holding
from espelho.syncs.spec import SyncAccepted, run_now, trigger

# Full paths (no prefix) so the bare collection path also gets its slash-less twin.
router = SlashOptionalRouter(tags=["contratos"])
P = "/api/contratos"

Vigencia = Literal["ativos", "vencidos", "proximos_vencer"]
DiasQ = Annotated[int | None, Query(ge=0, le=3650, description="Window in days (default from settings)")]
ContratoIdPath = Annotated[UpstreamId, Path(description="Comprasnet contract id")]
ContratoQ = Annotated[UpstreamId | None, Query(description="Comprasnet contract id")]


@dataclass
class Filtros:
    """The filters every contract list takes."""

    uasg: Annotated[str | None, Query(description="UASG code (6 digits)")] = None
    q: Annotated[str | None,
                 Query(description="Search in número, objeto, fornecedor, CNPJ/CPF, processo, unidades "
                                   "requisitantes")] = None
    tipo: Annotated[str | None,
                    Query(description="Instrument type, e.g. Contrato, Credenciamento, Empenho")] = None
    ug_origem: Annotated[str | None, Query(
        description="UG code of the unit that signed it (contratante.orgao_origem), which may differ from "
                    "the managing unit")] = None
    orgao_origem: Annotated[str | None, Query(description="Órgão code of the unit that signed it")] = None
    ordering: Annotated[str | None, ordering_query(queries.CONTRATO_ORDERING)] = None


FiltrosDep = Annotated[Filtros, Depends()]
ContratosPage = Page[ContratoResumo] | FileResponse


def _contratos(session: SessionDep, page: PageParams, filtros: Filtros, vigencia: Vigencia | None,
               dias: int, formato: FormatoQ) -> ContratosPage:
    """One page of the list, or with `formato` the whole list as a file: the same filters either way."""
    listing = queries.contratos_listing(uasg=filtros.uasg, q=filtros.q, tipo=filtros.tipo, vigencia=vigencia,
                                        ug_origem=filtros.ug_origem, orgao_origem=filtros.orgao_origem,
                                        ordering=filtros.ordering,
                                        dias=dias)
    if formato:
        stmt = em_colunas(Contrato, listing.ordered())
        return exportar(session, formato, tabela("contratos"), stmt, "contratos", filtros.uasg, vigencia,
                        aba="Contratos")
    return Page[ContratoResumo].of(listing.page(session, page), page)


@router.post(P + "/sync/", status_code=202, response_model=SyncAccepted, responses=error_responses(409, 503))
def sync_contratos(
    request: Request,
    _: SyncRoleDep,
    uasg: Annotated[str, Query(description="UASG code (6 digits)")],
    inativos: Annotated[bool | None, Query(
        description="Also fetch the inactive list (a second upstream call); default: the setting "
                    "ESPELHO_CONTRATOS_INCLUIR_INATIVOS")] = None,
) -> SyncAccepted:
    """Start the base sync of a UASG's contracts in the background."""
    jobs = request.app.state.jobs
    return trigger(jobs.ctx, jobs.dispatcher, UASG_SYNC, "UASG", UasgArgs(uasg, inativos))


@router.get(P + "/", response_model=Page[ContratoResumo], summary="List mirrored contracts",
            responses=ARQUIVO)
def list_contratos(session: SessionDep, settings: SettingsDep, page: PageDep, filtros: FiltrosDep,
                   vigencia: Vigencia | None = None, dias: DiasQ = None,
                   formato: FormatoQ = None) -> ContratosPage:
    return _contratos(session, page, filtros, vigencia,
                      settings.contratos_proximos_vencer_dias if dias is None else dias, formato)


@router.get(P + "/uasgs/", response_model=list[UasgOut], summary="Mirrored UASGs with their contract counts")
def list_uasgs(session: SessionDep) -> list[UasgOut]:
    uasgs = queries.list_uasgs(session)
    return [UasgOut.model_validate({**u, "escopo": uasg_scope(u["codigo"])}) for u in uasgs]


@router.get(P + "/vencidos/", response_model=Page[ContratoResumo],
            summary="Contracts whose vigência has ended", responses=ARQUIVO)
def vencidos(session: SessionDep, settings: SettingsDep, page: PageDep, filtros: FiltrosDep,
             formato: FormatoQ = None) -> ContratosPage:
    return _contratos(session, page, filtros, "vencidos", settings.contratos_proximos_vencer_dias, formato)


@router.get(P + "/proximos_vencer/", response_model=Page[ContratoResumo],
            summary="Contracts ending within `dias` days (default 30)", responses=ARQUIVO)
def proximos_vencer(session: SessionDep, settings: SettingsDep, page: PageDep, filtros: FiltrosDep,
                    dias: DiasQ = None, formato: FormatoQ = None) -> ContratosPage:
    return _contratos(session, page, filtros, "proximos_vencer",
                      settings.contratos_proximos_vencer_dias if dias is None else dias, formato)


@router.get(P + "/ativos/", response_model=Page[ContratoResumo],
            summary="Contracts in force by their dates (no end, or ending today or later)", responses=ARQUIVO)
def ativos(session: SessionDep, settings: SettingsDep, page: PageDep, filtros: FiltrosDep,
           formato: FormatoQ = None) -> ContratosPage:
    return _contratos(session, page, filtros, "ativos", settings.contratos_proximos_vencer_dias, formato)


def _add_tab_route(spec: AbaSpec) -> None:
    """GET /api/contratos/{aba}/: a tab's stored rows (of one contract, or of all), or with `formato` all of
    them as a file."""

    def list_tab(session: SessionDep, page: PageDep, contrato: ContratoQ = None,
                 formato: FormatoQ = None) -> Any:
        listing = queries.aba_listing(session, spec.aba, contrato_id=contrato)
        if formato:
            nome = f"contrato-{contrato}" if contrato else "contratos"
            stmt = em_colunas(spec.model, listing.ordered())
            return exportar(session, formato, spec.colunas, stmt, nome, spec.aba, aba=spec.label)
        return Page[spec.out].of(listing.page(session, page), page)  # type: ignore[name-defined]

    router.get(f"{P}/{spec.aba}/", response_model=Page[spec.out],  # type: ignore[name-defined]
               summary=f"Stored {spec.label} rows (database only)", name=f"list_{spec.aba}",
               responses={**ARQUIVO, **error_responses(404)})(list_tab)


for _spec in ABAS.values():
    _add_tab_route(_spec)


@router.get(P + "/{id}/", response_model=ContratoDetalhe, summary="One contract with its tabs' freshness",
            responses=error_responses(404))
def detalhe(id: ContratoIdPath, session: SessionDep) -> ContratoDetalhe:
    contrato = queries.get_contrato(session, id)
    out = ContratoDetalhe.model_validate(contrato)
    out.totais = queries.aba_totals(session, id)
    return out


@router.post(P + "/{id}/sincronizar/", response_model=ContratoSyncOut,
             summary="Fetch several tabs now (default: all four)",
             responses=error_responses(404, 409, 502, 503, 504))
def sincronizar(id: ContratoIdPath, request: Request, _role: SyncRoleDep,
                body: Annotated[ContratoSyncIn | None, Body()] = None) -> Any:
    abas = tuple(body.data_types) if body is not None and body.data_types is not None else None
    return run_now(request.app.state.jobs.ctx, CONTRATO_SYNC, "CONTRATO", ContratoArgs(id, abas))


@router.post(P + "/{id}/sincronizar/{aba}/", response_model=AbaSyncOut,
             summary="Fetch one tab now and answer with its stored rows",
             responses=error_responses(404, 409, 502, 503, 504))
def sincronizar_aba(id: ContratoIdPath, aba: Aba, request: Request, session: SessionDep,
                    settings: SettingsDep, _role: SyncRoleDep, page: PageDep) -> AbaSyncOut:
    # The contract's lock, as a sync of all its tabs takes it; the tab is written and committed under it.
    with holding(request.app.state.jobs.ctx, contrato_scope(id)) as held:
        if not held:
            raise busy(request.app.state.database, contrato_scope(id))
        with request.app.state.database.session() as writer:
            done = sync.sync_aba(writer, settings, id, aba)
    rows = queries.aba_listing(session, aba, contrato_id=id).page(session, page)
    items = [ABAS[aba].out.model_validate(i).model_dump(mode="json") for i in rows.items]
    return AbaSyncOut(items=items, total=rows.total, page=page.page, page_size=page.page_size, contrato_id=id,
                      aba=aba, atualizado_em=done.atualizado_em, api_calls=done.api_calls,
                      invalidos=done.invalidos, campos_invalidos=done.campos_invalidos)
