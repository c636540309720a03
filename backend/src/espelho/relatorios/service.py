"""Generating a competência report into a file, and keeping the daily ones in `relatorios`."""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from espelho.acessorias.competencia import Competencia
from espelho.acessorias.regras import competencia_atual
from espelho.clock import now_utc, today_sao_paulo
from espelho.db import Database, upsert
from espelho.errors import NotFound
from espelho.exports.files import arquivo_temporario, nome_arquivo
from espelho.relatorios import relatorio
from espelho.relatorios.models import Relatorio

COMPETENCIA = "competencia"
GUARDADOS = 30  # the web app lists the last 30 days


class RelatorioDoDia(NamedTuple):
    competencia: Competencia
    tamanho: int  # bytes


def nome_do_relatorio(competencia: Competencia) -> str:
    return nome_arquivo("relatorio", competencia, extensao="xlsx")


def gerar(session: Session, competencia: Competencia) -> str:
    """The report written to a new temporary file; the caller deletes it."""
    path = arquivo_temporario(".xlsx")
    try:
        relatorio.escrever(session, competencia, path)
    except BaseException:
        os.unlink(path)
        raise
    return path


def guardar_relatorio_do_dia(database: Database) -> RelatorioDoDia:
    """Store today's report of the competência in course (replacing an earlier one of today) and keep only
    the newest GUARDADOS. The daily metrics job calls it after recomputing the cache."""
    hoje = today_sao_paulo()
    competencia = competencia_atual(hoje)
    with database.session() as session:
        path = gerar(session, competencia)
        try:
            with open(path, "rb") as handle:
                conteudo = handle.read()
        finally:
            os.unlink(path)
        row = {
            "tipo": COMPETENCIA,
            "competencia": competencia,
            "data": hoje,
            "nome_arquivo": nome_do_relatorio(competencia),
            "tamanho": len(conteudo),
            "conteudo": conteudo,
            "gerado_em": now_utc(),
        }
        upsert(session, Relatorio, [row], index_elements=["tipo", "competencia", "data"])
        keep = select(Relatorio.id).order_by(Relatorio.data.desc(), Relatorio.id.desc()).limit(GUARDADOS)
        session.execute(
            delete(Relatorio)
            .where(Relatorio.id.not_in(keep.scalar_subquery()))
            .execution_options(synchronize_session=False)
        )
    return RelatorioDoDia(competencia, len(conteudo))


def listar(session: Session) -> list[dict[str, Any]]:
    """The stored reports, newest first, without their content."""
    columns = [c for c in Relatorio.__table__.columns if c.key != "conteudo"]
    rows = session.execute(
        select(*columns).order_by(Relatorio.data.desc(), Relatorio.id.desc()).limit(GUARDADOS)
    )
    return [dict(row._mapping) for row in rows]


def obter(session: Session, relatorio_id: int) -> Relatorio:
    found = session.get(Relatorio, relatorio_id)
    if found is None:
        raise NotFound(f"relatório {relatorio_id} not found")
    return found
