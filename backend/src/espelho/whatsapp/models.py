"""WhatsApp tables: a user's linked phone, every message in and out, and the status callbacks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ForeignKey, Index, String, Text, UniqueConstraint, and_, false
from sqlalchemy.orm import Mapped, mapped_column

from espelho.auth.models import Usuario
from espelho.db import Base


class WhatsAppVinculo(Base):
    """One row per user: the pending linking code and/or the linked WhatsApp id, and the alert opt-in."""

    __tablename__ = "whatsapp_vinculos"

    id: Mapped[int] = mapped_column(primary_key=True)
    usuario_id: Mapped[int] = mapped_column(ForeignKey("usuarios.id", ondelete="CASCADE"), unique=True)
    # The sender's wa_id as Meta sends it (digits, country code first); NULL until a code is used.
    wa_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    nome_perfil: Mapped[str | None] = mapped_column(String(200))
    vinculado_em: Mapped[datetime | None]
    codigo: Mapped[str | None] = mapped_column(String(12), unique=True)
    codigo_expira_em: Mapped[datetime | None]
    alertas_ativos: Mapped[bool] = mapped_column(default=True)
    # Whose alerts: meus | escritorio (MANAGER and ADMIN choose); NULL is the role's default (escopo.py).
    alertas_escopo: Mapped[str | None] = mapped_column(String(12))
    # Immediate notices (alertas/avisos.py): opted in since `avisos_desde` (older changes are not news), the
    # last one sent at `aviso_enviado_em` (at most one per AVISO_INTERVALO).
    avisos_imediatos: Mapped[bool] = mapped_column(default=False, server_default=false())
    avisos_desde: Mapped[datetime | None]
    aviso_enviado_em: Mapped[datetime | None]
    criado_em: Mapped[datetime]
    # The user's token version when the phone was linked: a password, role or status change moves the
    # user's on, and the phone speaks for them no more until linked again with a new code.
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")


def vinculo_valido() -> ColumnElement[bool]:
    """A link (joined with its user) that still speaks for the user: active, and linked since their last
    password, role or status change (what kills their tokens kills the link)."""
    return and_(Usuario.ativo.is_(True), WhatsAppVinculo.token_version == Usuario.token_version)


class WhatsAppMensagem(Base):
    """A message received (ENTRADA) or sent (SAIDA). Inbound rows are keyed by Meta's id so a redelivered
    webhook is stored once and acted on once (`processada_em`)."""

    __tablename__ = "whatsapp_mensagens"
    __table_args__ = (Index("ix_whatsapp_mensagens_wa_id_id", "wa_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Meta's message id ("wamid…"); NULL for a send Meta refused.
    wamid: Mapped[str | None] = mapped_column(String(200), unique=True)
    direcao: Mapped[str] = mapped_column(String(8))  # ENTRADA | SAIDA
    wa_id: Mapped[str] = mapped_column(String(20))
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuarios.id", ondelete="SET NULL"))
    tipo: Mapped[str] = mapped_column(String(20))  # text | template | image | …
    template: Mapped[str | None] = mapped_column(String(100))
    texto: Mapped[str | None] = mapped_column(Text)
    # received (inbound); accepted → sent → delivered → read, or failed (outbound).
    status: Mapped[str] = mapped_column(String(12))
    status_em: Mapped[datetime | None]
    erro_codigo: Mapped[int | None]
    erro: Mapped[str | None] = mapped_column(Text)
    criada_em: Mapped[datetime]
    # Inbound: answered. Outbound: resent as a template after Meta reported 131047. Set once (a claim).
    processada_em: Mapped[datetime | None]
    raw_json: Mapped[dict[str, Any] | None]


class WhatsAppStatus(Base):
    """Each status callback once (Meta redelivers them, possibly out of order); keyed by the message id
    alone, since a callback may arrive before the send that caused it is recorded."""

    __tablename__ = "whatsapp_status"
    __table_args__ = (UniqueConstraint("wamid", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wamid: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))
    ocorrido_em: Mapped[datetime]
    erro_codigo: Mapped[int | None]
    erro: Mapped[str | None] = mapped_column(Text)
    raw_json: Mapped[dict[str, Any] | None]
