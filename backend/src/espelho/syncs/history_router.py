"""Read-only view of the sync log (`sincronizacoes`) for both upstreams: what is running, what ran last."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, computed_field
from sqlalchemy import ColumnElement, and_, func, select

from espelho.api import Listing, Page, PageDep, SessionDep, SettingsDep, SlashOptionalRouter
from espelho.clock import now_utc
from espelho.exports.colunas import tabela
from espelho.exports.files import ARQUIVO, FormatoQ, em_colunas, exportar
from espelho.syncs import erros
from espelho.syncs.frescor import FrescorOut, frescor
from espelho.syncs.models import Sincronizacao
from espelho.syncs.service import Progresso

router = SlashOptionalRouter(prefix="/api/v1/sync", tags=["sync"])

Origem = Literal["ACESSORIAS", "COMPRASNET"]
Status = Literal["INICIADA", "CONCLUIDA", "ERRO"]
HISTORY_ORDER = (Sincronizacao.iniciada_em.desc(), Sincronizacao.id.desc())


class SincronizacaoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    origem: str
    tipo: str
    escopo: str
    competencia: str | None
    status: str
    total_processos: int | None
    processos_novos: int | None
    processos_atualizados: int | None
    processos_removidos: int | None
    mensagem_erro: str | None
    tempo_execucao: float | None
    api_calls: int | None
    estatisticas: dict[str, Any] | None
    iniciada_em: datetime
    concluida_em: datetime | None
    heartbeat_em: datetime | None
    progresso: Progresso | None = Field(default=None, description="Where a running run is (null once ended)")
    silencio_s: float | None = Field(
        default=None, description="Running runs (/sync/status): seconds since the run's last heartbeat "
        "(every 15 s while it works); while it waits in the queue (heartbeat_em null), since its trigger")

    @computed_field(description="An ERRO run's error in pt-BR: what happened and what to do "
                    "(mensagem_erro keeps the technical text)")
    def erro_explicado(self) -> str | None:
        return erros.explicar(self.mensagem_erro)


class SyncStatus(BaseModel):
    em_andamento: list[SincronizacaoOut]
    """Runs still INICIADA, working or queued (`heartbeat_em` null). A `silencio_s` of minutes means a
    stopped or hung process, which keeps its scope: docs/operations.md says what to do."""
    ultimas: list[SincronizacaoOut]
    """The newest finished run (CONCLUIDA or ERRO) of every (origem, escopo), newest first."""
    frescor: list[FrescorOut]
    """Each upstream's `atualizado_ate` (every change before it is mirrored), its lag, the syncs' budget."""


@router.get("/status/", response_model=SyncStatus)
def sync_status(session: SessionDep, settings: SettingsDep, origem: Origem | None = None) -> SyncStatus:
    """What is running now, how the last run of every upstream scope ended, and how fresh each mirror is."""
    running = select(Sincronizacao).where(Sincronizacao.status == "INICIADA")
    rank = (
        func.row_number()
        .over(
            partition_by=(Sincronizacao.origem, Sincronizacao.escopo),
            order_by=HISTORY_ORDER,
        )
        .label("rank")
    )
    finished = select(Sincronizacao.id, rank).where(Sincronizacao.status != "INICIADA")
    if origem:
        running = running.where(Sincronizacao.origem == origem)
        finished = finished.where(Sincronizacao.origem == origem)
    ranked = finished.subquery()
    last = select(Sincronizacao).join(ranked, and_(Sincronizacao.id == ranked.c.id, ranked.c.rank == 1))
    running, last = running.order_by(*HISTORY_ORDER), last.order_by(*HISTORY_ORDER)
    now = now_utc()

    def silent(run: Sincronizacao) -> SincronizacaoOut:
        since = run.heartbeat_em or run.iniciada_em
        return SincronizacaoOut.model_validate(run).model_copy(
            update={"silencio_s": round((now - since).total_seconds(), 1)})

    return SyncStatus(
        em_andamento=[silent(r) for r in session.scalars(running)],
        ultimas=[SincronizacaoOut.model_validate(r) for r in session.scalars(last)],
        frescor=[f for f in frescor(session, settings, now) if origem is None or f.origem == origem],
    )


def history_listing(
    origem: str | None, status: str | None, tipo: str | None, escopo: str | None
) -> Listing:
    """The filtered runs, newest first: the JSON page reads one page, the export all of them."""
    conditions: list[ColumnElement[bool]] = []
    if origem:
        conditions.append(Sincronizacao.origem == origem)
    if status:
        conditions.append(Sincronizacao.status == status)
    if tipo:
        conditions.append(Sincronizacao.tipo == tipo.upper())
    if escopo:
        conditions.append(Sincronizacao.escopo == escopo)
    return Listing(select(Sincronizacao).where(*conditions), HISTORY_ORDER)


@router.get("/history/", response_model=Page[SincronizacaoOut], responses=ARQUIVO)
def sync_history(
    session: SessionDep,
    paging: PageDep,
    origem: Origem | None = None,
    status: Status | None = None,
    tipo: Annotated[str | None, Query(max_length=20, description="FULL, INCREMENTAL, MANUAL, UASG…")] = None,
    escopo: Annotated[str | None, Query(max_length=60)] = None,
    formato: FormatoQ = None,
) -> Page[SincronizacaoOut] | FileResponse:
    listing = history_listing(origem, status, tipo, escopo)
    if formato:
        stmt = em_colunas(Sincronizacao, listing.ordered())
        return exportar(session, formato, tabela("sincronizacoes"), stmt, "sincronizacoes",
                        aba="Sincronizações")
    return Page[SincronizacaoOut].of(listing.page(session, paging), paging)
