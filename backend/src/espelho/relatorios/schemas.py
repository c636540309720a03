"""Shapes the relatórios and workload endpoints serve."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class CargaResponsavel(BaseModel):
    responsavel: str = Field(description='The name Acessórias gives, or "Sem responsável"')
    passos_pendentes: int = Field(description="Steps with status Pendente of the competência's processes")
    passos_concluidos: int
    obrigacoes_pendentes: int = Field(description="Obligations of the competência not delivered yet")
    obrigacoes_atrasadas: int = Field(description="Pending obligations whose deadline is before today")
    obrigacoes_entregues: int
    concluidos: int = Field(description="passos_concluidos + obrigacoes_entregues")


class TotaisResponsaveis(BaseModel):
    passos_pendentes: int
    passos_concluidos: int
    obrigacoes_pendentes: int
    obrigacoes_atrasadas: int
    obrigacoes_entregues: int
    concluidos: int


class DashboardResponsaveis(BaseModel):
    competencia: str | None = Field(description="MM/YYYY, or null for every competência")
    data: date = Field(description="Today in America/Sao_Paulo (the day 'atrasada' refers to)")
    items: list[CargaResponsavel] = Field(description="Most pending work first; the rows add up to `totais`")
    totais: TotaisResponsaveis


class Gargalo(BaseModel):
    modelo: str = Field(description="The process template (ProcNome)")
    passo: str = Field(description="The first pending step, where the processes stand")
    processos: int = Field(description="Open processes standing on this step")
    mediana_dias: float = Field(description="Median days since each process last changed upstream")
    max_dias: int


class DashboardGargalos(BaseModel):
    competencia: str | None
    data: date
    em_andamento: int = Field(description="Open processes (Em andamento) of the competência")
    sem_passo_pendente: int = Field(description="Open processes with no pending step mirrored")
    items: list[Gargalo] = Field(description="processos adds up to em_andamento − sem_passo_pendente")


class RelatorioOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tipo: str
    competencia: str
    data: date
    nome_arquivo: str
    tamanho: int = Field(description="Bytes")
    gerado_em: datetime
