"""HTTP API of the Comprasnet mirror under /api/contratos. Reads come from the database only; the two
`sincronizar` routes are the only ones that call the upstream.

Fixed paths are declared before /{id} (an int), so /vencidos and friends never reach the detail route.
POST /api/contratos/sync (a UASG base sync) is served by syncs/router.py, registered before this router.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Body, Path, Query
from pydantic import BaseModel

from espelho.api import DatabaseDep, Page, PageDep, SessionDep, SettingsDep, SlashOptionalRouter, UpstreamId
from espelho.auth.deps import SyncRoleDep
from espelho.contratos import service
from espelho.contratos.schemas import (
    ABA_OUT_SCHEMAS,
    Aba,
    AbaSyncOut,
    ArquivoOut,
    ContratoDetalhe,
    ContratoResumo,
    ContratoSyncIn,
    ContratoSyncOut,
    EmpenhoOut,
    HistoricoOut,
    ItemOut,
    UasgOut,
)
from espelho.openapi import error_responses
from espelho.syncs.dispatch import run_locked

# Full paths (no prefix) so the bare collection path also gets its slash-less twin.
router = SlashOptionalRouter(tags=["contratos"])
P = "/api/contratos"

Vigencia = Literal["ativos", "vencidos", "proximos_vencer"]
UasgQ = Annotated[str | None, Query(description="UASG code (6 digits)")]
TextQ = Annotated[str | None, Query(description="Search in número, objeto, fornecedor, CNPJ/CPF, processo")]
TipoQ = Annotated[str | None, Query(description="Instrument type, e.g. Contrato, Empenho")]
DiasQ = Annotated[int | None, Query(ge=0, le=3650, description="Window in days (default from settings)")]
ContratoIdPath = Annotated[UpstreamId, Path(description="Comprasnet contract id")]


def _page_of_contratos(session: Any, page: Any, **filters: Any) -> Page[ContratoResumo]:
    items, total = service.list_contratos(session, offset=page.offset, limit=page.page_size, **filters)
    return Page[ContratoResumo](
        items=[ContratoResumo.model_validate(c) for c in items],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get(P + "/", response_model=Page[ContratoResumo], summary="List mirrored contracts")
def list_contratos(
    session: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    uasg: UasgQ = None,
    q: TextQ = None,
    vigencia: Vigencia | None = None,
    tipo: TipoQ = None,
    dias: DiasQ = None,
) -> Page[ContratoResumo]:
    return _page_of_contratos(
        session,
        page,
        uasg=uasg,
        q=q,
        vigencia=vigencia,
        tipo=tipo,
        dias=settings.contratos_proximos_vencer_dias if dias is None else dias,
    )


@router.get(P + "/uasgs/", response_model=list[UasgOut], summary="Mirrored UASGs with their contract counts")
def list_uasgs(session: SessionDep) -> list[UasgOut]:
    return [UasgOut.model_validate(u) for u in service.list_uasgs(session)]


@router.get(
    P + "/vencidos/", response_model=Page[ContratoResumo], summary="Contracts whose vigência has ended"
)
def vencidos(
    session: SessionDep, page: PageDep, uasg: UasgQ = None, q: TextQ = None, tipo: TipoQ = None
) -> Page[ContratoResumo]:
    return _page_of_contratos(session, page, uasg=uasg, q=q, tipo=tipo, vigencia="vencidos")


@router.get(
    P + "/proximos_vencer/",
    response_model=Page[ContratoResumo],
    summary="Contracts ending within `dias` days (default 30)",
)
def proximos_vencer(
    session: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    uasg: UasgQ = None,
    q: TextQ = None,
    tipo: TipoQ = None,
    dias: DiasQ = None,
) -> Page[ContratoResumo]:
    return _page_of_contratos(
        session,
        page,
        uasg=uasg,
        q=q,
        tipo=tipo,
        vigencia="proximos_vencer",
        dias=settings.contratos_proximos_vencer_dias if dias is None else dias,
    )


@router.get(
    P + "/ativos/",
    response_model=Page[ContratoResumo],
    summary="Contracts in force by their dates (no end, or ending today or later)",
)
def ativos(
    session: SessionDep, page: PageDep, uasg: UasgQ = None, q: TextQ = None, tipo: TipoQ = None
) -> Page[ContratoResumo]:
    return _page_of_contratos(session, page, uasg=uasg, q=q, tipo=tipo, vigencia="ativos")


def _aba_page(
    session: Any, aba: str, contrato: int | None, page: Any, schema: type[BaseModel]
) -> dict[str, Any]:
    items, total = service.list_aba(
        session, aba, contrato_id=contrato, offset=page.offset, limit=page.page_size
    )
    return {
        "items": [schema.model_validate(i) for i in items],
        "total": total,
        "page": page.page,
        "page_size": page.page_size,
    }


ContratoQ = Annotated[UpstreamId | None, Query(description="Comprasnet contract id")]


@router.get(
    P + "/historico/",
    response_model=Page[HistoricoOut],
    summary="Stored Histórico rows (database only)",
    responses=error_responses(404),
)
def list_historico(session: SessionDep, page: PageDep, contrato: ContratoQ = None) -> Any:
    return _aba_page(session, "historico", contrato, page, HistoricoOut)


@router.get(P + "/empenhos/", response_model=Page[EmpenhoOut], summary="Stored Empenhos rows (database only)",
            responses=error_responses(404))
def list_empenhos(session: SessionDep, page: PageDep, contrato: ContratoQ = None) -> Any:
    return _aba_page(session, "empenhos", contrato, page, EmpenhoOut)


@router.get(P + "/itens/", response_model=Page[ItemOut], summary="Stored Itens rows (database only)",
            responses=error_responses(404))
def list_itens(session: SessionDep, page: PageDep, contrato: ContratoQ = None) -> Any:
    return _aba_page(session, "itens", contrato, page, ItemOut)


@router.get(P + "/arquivos/", response_model=Page[ArquivoOut], summary="Stored Arquivos rows (database only)",
            responses=error_responses(404))
def list_arquivos(session: SessionDep, page: PageDep, contrato: ContratoQ = None) -> Any:
    return _aba_page(session, "arquivos", contrato, page, ArquivoOut)


@router.get(P + "/{id}/", response_model=ContratoDetalhe, summary="One contract with its tabs' freshness",
            responses=error_responses(404))
def detalhe(id: ContratoIdPath, session: SessionDep) -> ContratoDetalhe:
    contrato = service.get_contrato(session, id)
    out = ContratoDetalhe.model_validate(contrato)
    out.totais = service.aba_totals(session, id)
    return out


@router.post(
    P + "/{id}/sincronizar/",
    response_model=ContratoSyncOut,
    summary="Fetch several tabs now (default: all four)",
    responses=error_responses(404, 409, 502, 503, 504),
)
def sincronizar(
    id: ContratoIdPath,
    database: DatabaseDep,
    settings: SettingsDep,
    _role: SyncRoleDep,
    body: Annotated[ContratoSyncIn | None, Body()] = None,
) -> Any:
    data_types = body.data_types if body is not None else None
    # The contract's scope lock, as the job takes it: one recorded run per contract at a time.
    return run_locked(settings, database, f"contrato:{id}",
                      lambda: service.run_contrato_sync(database, settings, id, data_types))


@router.post(
    P + "/{id}/sincronizar/{aba}/",
    response_model=AbaSyncOut,
    summary="Fetch one tab now and answer with its stored rows",
    responses=error_responses(404, 502, 503, 504),
)
def sincronizar_aba(
    id: ContratoIdPath,
    aba: Aba,
    session: SessionDep,
    settings: SettingsDep,
    _role: SyncRoleDep,
    page: PageDep,
) -> AbaSyncOut:
    done = service.sync_aba(session, settings, id, aba)
    items, total = service.list_aba(session, aba, contrato_id=id, offset=page.offset, limit=page.page_size)
    schema = ABA_OUT_SCHEMAS[aba]
    return AbaSyncOut(
        items=[schema.model_validate(i).model_dump(mode="json") for i in items],
        total=total,
        page=page.page,
        page_size=page.page_size,
        contrato_id=id,
        aba=aba,
        atualizado_em=done.atualizado_em,
        api_calls=done.api_calls,
        invalidos=done.invalidos,
    )
