"""Alerts already sent: one row per (user, fact), so the same fact is never announced twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from espelho.db import Base


class AlertaEnviado(Base):
    __tablename__ = "alertas_enviados"
    __table_args__ = (UniqueConstraint("usuario_id", "chave"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    usuario_id: Mapped[int] = mapped_column(ForeignKey("usuarios.id", ondelete="CASCADE"))
    # "obrigacao:<id>:atrasada", "obrigacao:<id>:vence:3", "contrato:<id>:<vigencia_fim>:30", "sync:<id>"
    chave: Mapped[str] = mapped_column(String(200))
    canal: Mapped[str] = mapped_column(String(20))  # whatsapp
    enviado_em: Mapped[datetime]
