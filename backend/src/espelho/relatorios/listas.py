"""The export of each list: its columns (colunas.toml: those its web table shows, pt-BR headers) over the
statement the JSON page reads, unpaged (the service's `Listing`). A list route answers a `formato` with one
call here; a contract tab's columns are named in its row of the tab table (contratos/abas.py)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import FileResponse
from sqlalchemy import Select
from sqlalchemy.orm import Session

from espelho.acessorias import queries
from espelho.acessorias.queries import ObrigacaoFiltros, ProcessoFiltros
from espelho.api import Listing
from espelho.contratos.abas import AbaSpec
from espelho.contratos.models import Contrato
from espelho.relatorios.colunas import tabela
from espelho.relatorios.export import Formato, arquivo, linhas
from espelho.syncs.models import Sincronizacao

PROCESSOS = tabela("processos")
EMPRESAS = tabela("empresas")
OBRIGACOES = tabela("obrigacoes")
CONTRATOS = tabela("contratos")
SINCRONIZACOES = tabela("sincronizacoes")

_FORA = ("raw_json", "hash_snapshot", "links")  # payloads no table shows


def em_colunas(model: Any, stmt: Select[Any]) -> Select[Any]:
    """A statement of whole rows of `model` read as plain columns (no ORM objects, no raw payload)."""
    return stmt.with_only_columns(*(c for c in model.__table__.columns if c.key not in _FORA))


def processos(session: Session, filtros: ProcessoFiltros, ordering: str | None,
              formato: Formato) -> FileResponse:
    stmt = queries.processos_select(session, filtros, ordering)
    return arquivo(formato, PROCESSOS, linhas(session, stmt), "processos", filtros.competencia,
                   filtros.status, aba="Processos")


def empresas(session: Session, listing: Listing, formato: Formato, regime: str | None) -> FileResponse:
    return arquivo(formato, EMPRESAS, linhas(session, listing.ordered()), "empresas", regime, aba="Empresas")


def obrigacoes(session: Session, listing: Listing, formato: Formato,
               filtros: ObrigacaoFiltros) -> FileResponse:
    return arquivo(formato, OBRIGACOES, linhas(session, listing.ordered()), "obrigacoes", filtros.competencia,
                   filtros.status, aba="Obrigações")


def contratos(session: Session, listing: Listing, formato: Formato, *partes: str | None) -> FileResponse:
    stmt = em_colunas(Contrato, listing.ordered())
    return arquivo(formato, CONTRATOS, linhas(session, stmt), "contratos", *partes, aba="Contratos")


def aba(session: Session, spec: AbaSpec, listing: Listing, formato: Formato,
        contrato: int | None) -> FileResponse:
    stmt = em_colunas(spec.model, listing.ordered())
    nome = f"contrato-{contrato}" if contrato else "contratos"
    return arquivo(formato, spec.colunas, linhas(session, stmt), nome, spec.aba, aba=spec.label)


def sincronizacoes(session: Session, listing: Listing, formato: Formato) -> FileResponse:
    stmt = em_colunas(Sincronizacao, listing.ordered())
    return arquivo(formato, SINCRONIZACOES, linhas(session, stmt), "sincronizacoes", aba="Sincronizações")
