"""The database's size, once a day: what `espelho db status` measures its growth against."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date
from sqlalchemy.orm import Mapped, mapped_column

from espelho.db import Base


class TamanhoBanco(Base):
    """The size of the whole database on one day (America/Sao_Paulo), written by the daily retention job."""

    __tablename__ = "tamanhos_banco"

    id: Mapped[int] = mapped_column(primary_key=True)
    dia: Mapped[date] = mapped_column(Date, unique=True)
    bytes: Mapped[int] = mapped_column(BigInteger)
    medido_em: Mapped[datetime]
