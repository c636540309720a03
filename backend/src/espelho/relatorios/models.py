"""Reports kept by the daily job: the workbook itself, so the web app serves the last ones as they were."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from espelho.db import Base


class Relatorio(Base):
    """One generated report. The day's run replaces that day's row; only the newest ones are kept."""

    __tablename__ = "relatorios"
    __table_args__ = (UniqueConstraint("tipo", "competencia", "data"), Index("ix_relatorios_data", "data"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tipo: Mapped[str] = mapped_column(String(40))  # "competencia"
    competencia: Mapped[str] = mapped_column(String(7))  # MM/YYYY
    data: Mapped[date] = mapped_column(Date)  # the day it reports on (America/Sao_Paulo)
    nome_arquivo: Mapped[str] = mapped_column(String(200))
    tamanho: Mapped[int] = mapped_column(Integer)  # bytes
    conteudo: Mapped[bytes] = mapped_column(LargeBinary)  # the XLSX, a few hundred KB
    gerado_em: Mapped[datetime]
