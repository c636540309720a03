"""One person's queue ("Minha fila" on the web, `minhas` on WhatsApp): their overdue obrigações, theirs due
soon, and their open processos with the passo each stands on and for how long. Every rule is regras.py's."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from espelho.acessorias import queries, regras
from espelho.acessorias.models import Empresa, Passo, Processo
from espelho.acessorias.queries import ObrigacaoItem, ProcessoFiltros


class ProcessoParado(NamedTuple):
    id: int
    proc_id: int
    titulo: str
    empresa: str | None
    competencia: str | None
    passo: str | None
    passo_responsavel: str | None
    parado_desde: date | None
    dias_parado: int


def processos_parados(session: Session, pessoa: regras.Pessoa, hoje: date,
                      limite: int | None = None) -> tuple[list[ProcessoParado], int]:
    """The person's open processos, longest standing first, each with its first pending passo (if any)."""
    meus = select(Processo.id).where(
        *queries.processos_conditions(session, ProcessoFiltros(aberto=True, responsavel=pessoa)))
    ordem = func.row_number().over(partition_by=Passo.processo_id,
                                   order_by=(Passo.ordem, Passo.id)).label("n")
    pendentes = (select(Passo.processo_id, Passo.nome, Passo.responsavel, ordem)
                 .where(Passo.processo_id.in_(meus), regras.passo_pendente()).subquery())
    proximo = select(pendentes).where(pendentes.c.n == 1).subquery()
    rows = session.execute(
        select(Processo.id, Processo.proc_id, func.coalesce(Processo.titulo, Processo.nome), Empresa.nome,
               Processo.competencia, proximo.c.nome, proximo.c.responsavel, Processo.dt_last_dh,
               Processo.data_inicio)
        .outerjoin(Empresa, Empresa.id == Processo.empresa_id)
        .outerjoin(proximo, proximo.c.processo_id == Processo.id)
        .where(Processo.id.in_(meus)))
    found = [ProcessoParado(pid, proc_id, titulo, empresa, competencia, passo, responsavel,
                            regras.parado_desde(mudanca, inicio), regras.dias_parado(mudanca, inicio, hoje))
             for pid, proc_id, titulo, empresa, competencia, passo, responsavel, mudanca, inicio in rows]
    found.sort(key=lambda p: (-p.dias_parado, p.id))
    return (found[:limite] if limite is not None else found), len(found)


def _lista(itens: list[ObrigacaoItem], total: int) -> dict[str, Any]:
    return {"total": total, "items": [i._asdict() for i in itens]}


def fila(session: Session, pessoa: regras.Pessoa, hoje: date, limite: int) -> dict[str, Any]:
    atrasadas = queries.obrigacoes_onde(session, regras.atrasada(hoje), hoje, pessoa=pessoa, limite=limite)
    vencem = queries.obrigacoes_onde(session, regras.vencem_em(hoje), hoje, pessoa=pessoa, limite=limite)
    processos, total = processos_parados(session, pessoa, hoje, limite)
    return {"data": hoje, "responsavel": pessoa, "atrasadas": _lista(*atrasadas), "vencem": _lista(*vencem),
            "processos": {"total": total, "items": [p._asdict() for p in processos]}}
