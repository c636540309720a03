from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from espelho.db import Base


class Sincronizacao(Base):
    """One sync run of either upstream: what ran, over which scope, how it ended, what it cost."""

    __tablename__ = "sincronizacoes"
    __table_args__ = (
        Index("ix_sincronizacoes_origem_iniciada_em", "origem", "iniciada_em"),
        Index("ix_sincronizacoes_status", "status"),
        # The reservation: one INICIADA run per scope (syncs/exclusive.py); a second trigger gets 409.
        Index("uq_sincronizacoes_escopo_ativa", "escopo", unique=True,
              sqlite_where=text("status = 'INICIADA'"), postgresql_where=text("status = 'INICIADA'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    origem: Mapped[str] = mapped_column(String(20))  # ACESSORIAS | COMPRASNET
    tipo: Mapped[str] = mapped_column(String(20))  # FULL | INCREMENTAL | MANUAL | UASG | CONTRATO
    escopo: Mapped[str] = mapped_column(String(60))  # "escritorio", a UASG code, a contract id
    competencia: Mapped[str | None] = mapped_column(String(7))
    total_processos: Mapped[int | None]
    processos_novos: Mapped[int | None]
    processos_atualizados: Mapped[int | None]
    processos_removidos: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(12))  # INICIADA | CONCLUIDA | ERRO
    mensagem_erro: Mapped[str | None] = mapped_column(Text)
    tempo_execucao: Mapped[float | None]  # seconds
    api_calls: Mapped[int | None]
    estatisticas: Mapped[dict[str, Any] | None]
    iniciada_em: Mapped[datetime]
    concluida_em: Mapped[datetime | None]
    # Touched while a run works (syncs.service.HEARTBEAT_S); null while a triggered run waits in the queue.
    heartbeat_em: Mapped[datetime | None]
    # While it runs: phase, done/total, calls left and ETA (syncs.service.Progresso), for /sync/status.
    progresso: Mapped[dict[str, Any] | None]


class Sondagem(Base):
    """An upstream's cheap "anything new?" probe between syncs: how far it has looked, and what it spent.
    One row per upstream; the probe records no run (it runs every minute)."""

    __tablename__ = "sondagens"

    origem: Mapped[str] = mapped_column(String(20), primary_key=True)
    # Every upstream change made before this moment is mirrored (the start of the last successful probe).
    atualizado_ate: Mapped[datetime | None]
    executada_em: Mapped[datetime | None]  # the last probe that ran to its end
    adiada_em: Mapped[datetime | None]  # the last probe skipped for want of budget (null once one runs again)
    mudou_em: Mapped[datetime | None]  # the last probe that wrote a change into the mirror
    # The budget's ledger: [epoch seconds, upstream calls] of the probes of the last window.
    chamadas: Mapped[list[Any]] = mapped_column(default=list)
