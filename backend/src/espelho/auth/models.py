from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from espelho.db import Base


class Usuario(Base):
    __tablename__ = "usuarios"
    # SQLite would otherwise give a deleted user's id, and so the deleted user's tokens, to the next user.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    nome: Mapped[str | None] = mapped_column(String(200))
    senha_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))  # ADMIN | MANAGER | USER
    ativo: Mapped[bool] = mapped_column(default=True)
    criado_em: Mapped[datetime]
    ultimo_acesso: Mapped[datetime | None]
    # Carried by every token (`ver`); bumped when the user's tokens must die (password, role, deactivation).
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
