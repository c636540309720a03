from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    # The office person in Acessórias this user is (the person's upstream id, acessorias_usuarios.codigo):
    # what "mine" means. Set by e-mail after every sync (acessorias/pessoas.py) unless an ADMIN set or
    # cleared it (`acessorias_vinculo_manual`).
    acessorias_usuario_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    acessorias_vinculo_manual: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Named by string: auth sits below the acessorias domain and imports nothing of it.
    acessorias_usuario: Mapped[Any] = relationship(
        "UsuarioAcessorias", primaryjoin="foreign(Usuario.acessorias_usuario_id) == UsuarioAcessorias.codigo",
        viewonly=True, lazy="raise")
