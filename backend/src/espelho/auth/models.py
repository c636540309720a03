from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from espelho.db import Base


class Usuario(Base):
    __tablename__ = "usuarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    nome: Mapped[str | None] = mapped_column(String(200))
    senha_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))  # ADMIN | MANAGER | USER
    ativo: Mapped[bool] = mapped_column(default=True)
    criado_em: Mapped[datetime]
    ultimo_acesso: Mapped[datetime | None]
