"""Shapes the relatórios endpoints serve."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class RelatorioOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tipo: str
    competencia: str
    data: date
    nome_arquivo: str
    tamanho: int = Field(description="Bytes")
    gerado_em: datetime
