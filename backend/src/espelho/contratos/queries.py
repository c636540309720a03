"""Reads of the Comprasnet mirror: the contract lists (and their files), a contract and its tabs, the UASGs,
the vigência bands the report and the alerts read; and the validation of the codes a client sends."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from espelho.api import Listing, directed, ordering_key
from espelho.clock import today_sao_paulo
from espelho.contratos.abas import ABAS
from espelho.contratos.models import Contrato, Uasg
from espelho.db import contains_text, em_ordem_ptbr
from espelho.errors import InvalidInput, NotFound

_UASG_RE = re.compile(r"^\d{6}$")

# ---------------------------------------------------------------- validation helpers


def validate_uasg(code: str) -> str:
    """A UASG code is exactly 6 digits ("153165", leading zeros kept)."""
    value = (code or "").strip()
    if not _UASG_RE.fullmatch(value):
        raise InvalidInput(f"invalid UASG code {code!r}: a UASG code is exactly 6 digits, e.g. 153165",
                           detail={"field": "uasg", "input": code})
    return value


def validate_abas(data_types: Iterable[str] | None) -> list[str]:
    if data_types is None:
        return list(ABAS)
    abas: list[str] = []
    for raw in data_types:
        aba = str(raw).strip().lower()
        if aba not in ABAS:
            raise InvalidInput(f"unknown tab {raw!r}: choose from {', '.join(ABAS)}")
        if aba not in abas:
            abas.append(aba)
    if not abas:
        raise InvalidInput(f"no tab given: choose from {', '.join(ABAS)}")
    return abas



def _vigencia_filter(stmt: Select[Any], vigencia: str | None, today: date, dias: int) -> Select[Any]:
    fim = Contrato.vigencia_fim
    if vigencia == "ativos":
        return stmt.where(or_(fim.is_(None), fim >= today))
    if vigencia == "vencidos":
        return stmt.where(fim < today)
    if vigencia == "proximos_vencer":
        return stmt.where(fim >= today, fim <= today + timedelta(days=dias))
    return stmt


CONTRATO_ORDERING: dict[str, Any] = {
    "id": Contrato.id,
    "numero": em_ordem_ptbr(Contrato.numero),
    "fornecedor": em_ordem_ptbr(Contrato.fornecedor_nome),
    "vigencia_inicio": Contrato.vigencia_inicio,
    "vigencia_fim": Contrato.vigencia_fim,
    "valor_global": Contrato.valor_global,
}


def _ordered_by(ordering: str) -> list[Any]:
    """`ordering=campo` or `-campo`; a contract without the field comes last either way."""
    column, desc = ordering_key(ordering, CONTRATO_ORDERING, "id")
    return directed(column, Contrato.id, desc, nulls_last=True)


def contratos_listing(
    *,
    ordering: str | None = None,
    uasg: str | None = None,
    q: str | None = None,
    vigencia: str | None = None,
    tipo: str | None = None,
    ug_origem: str | None = None,
    orgao_origem: str | None = None,
    dias: int,
) -> Listing:
    """The filtered contracts and their order: the JSON page reads one page, the export all of them."""
    stmt = select(Contrato)
    if uasg:
        stmt = stmt.where(Contrato.uasg_codigo == uasg.strip())
    if ug_origem:
        stmt = stmt.where(Contrato.unidade_gestora_origem_codigo == ug_origem.strip())
    if orgao_origem:
        stmt = stmt.where(Contrato.orgao_origem_codigo == orgao_origem.strip())
    if tipo:
        stmt = stmt.where(func.lower(Contrato.tipo) == tipo.strip().lower())
    if q and q.strip():
        searched = (Contrato.numero, Contrato.objeto, Contrato.fornecedor_nome, Contrato.fornecedor_cnpj_cpf,
                    Contrato.processo, Contrato.licitacao_numero, Contrato.unidades_requisitantes)
        conditions = [contains_text(column, q) for column in searched]
        only_digits = re.sub(r"\D", "", q)
        if len(only_digits) >= 6 and not re.search(r"[A-Za-z]", q):
            # "12345678000190" finds "12.345.678/0001-90".
            bare = func.replace(
                func.replace(func.replace(Contrato.fornecedor_cnpj_cpf, ".", ""), "/", ""), "-", ""
            )
            conditions.append(contains_text(bare, only_digits))
        stmt = stmt.where(or_(*conditions))
    today = today_sao_paulo()
    stmt = _vigencia_filter(stmt, vigencia, today, dias)
    if ordering:
        order = _ordered_by(ordering)
    elif vigencia in ("ativos", "proximos_vencer"):
        order = [Contrato.vigencia_fim.asc().nulls_last(), Contrato.id]
    elif vigencia == "vencidos":
        order = [Contrato.vigencia_fim.desc(), Contrato.id]
    else:
        order = [Contrato.vigencia_fim.desc().nulls_first(), Contrato.id.desc()]
    return Listing(stmt, order)


# Bands of "ends soon": the alerts announce a contract again as it enters a nearer one; `contratos` on
# WhatsApp and the report count by them.
FAIXAS_VIGENCIA = (30, 60, 90)


def faixa_vigencia(dias: int) -> int | None:
    """The nearest band `dias` (to the end of a vigência) falls in: 30, 60 or 90; None beyond."""
    return next((faixa for faixa in FAIXAS_VIGENCIA if 0 <= dias <= faixa), None)


def rotulo_faixa(banda: int) -> str:
    """"até 30 dias", "31 a 60 dias", "61 a 90 dias": what each band covers."""
    anterior = max((f for f in FAIXAS_VIGENCIA if f < banda), default=0)
    return f"até {banda} dias" if not anterior else f"{anterior + 1} a {banda} dias"


def contratos_a_vencer(session: Session, limite: int | None = None) -> tuple[list[Contrato], int]:
    """Contracts ending in the widest band (`proximos_vencer` of 90 days), soonest first, and how many."""
    listing = contratos_listing(vigencia="proximos_vencer", dias=FAIXAS_VIGENCIA[-1])
    total = session.scalar(select(func.count()).select_from(listing.stmt.subquery())) or 0
    stmt = listing.ordered()
    return list(session.scalars(stmt.limit(limite) if limite is not None else stmt)), total


def get_contrato(session: Session, contrato_id: int) -> Contrato:
    contrato = session.get(Contrato, contrato_id)
    if contrato is None:
        raise not_stored(contrato_id)
    return contrato


def not_stored(contrato_id: int) -> NotFound:
    return NotFound(f"contract {contrato_id} is not in the mirror; sync its UASG first")


def aba_totals(session: Session, contrato_id: int) -> dict[str, int]:
    return {
        aba: session.scalar(
            select(func.count()).select_from(spec.model).where(spec.model.contrato_id == contrato_id)
        ) or 0
        for aba, spec in ABAS.items()
    }


def aba_listing(session: Session, aba: str, *, contrato_id: int | None) -> Listing:
    """One tab's stored rows (of one contract, or of all) and their order; 404 for an unknown contract."""
    spec = ABAS[validate_abas([aba])[0]]
    stmt = select(spec.model)
    if contrato_id is not None:
        get_contrato(session, contrato_id)
        stmt = stmt.where(spec.model.contrato_id == contrato_id)
    return Listing(stmt, [spec.model.contrato_id, *spec.order_by()])


def list_uasgs(session: Session) -> list[dict[str, Any]]:
    counts = dict(
        session.execute(select(Contrato.uasg_codigo, func.count()).group_by(Contrato.uasg_codigo)).all()
    )
    return [
        {
            **{
                c: getattr(u, c)
                for c in ("codigo", "nome_resumido", "nome", "orgao_codigo", "orgao_nome", "sincronizado_em")
            },
            "contratos": counts.get(u.codigo, 0),
        }
        for u in session.scalars(select(Uasg).order_by(Uasg.codigo))
    ]
