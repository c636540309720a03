"""Shapes the Acessórias read API serves (kept apart from the upstream's `schemas.py` and the tables)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from espelho.acessorias.historico import TipoAlteracao


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class EmpresaOut(_Out):
    id: int
    codigo: int = Field(description="Upstream company ID")
    nome: str
    fantasia: str | None
    cnpj: str | None = Field(description="Digits only (CNPJ, CPF or CAEPF)")
    identificador: str | None = Field(description="CNPJ/CPF as the upstream formats it")
    regime_tributario: str | None
    ativa: bool
    status: str | None
    uf: str | None
    cliente_desde: date | None
    cliente_ate: date | None
    sincronizada_em: datetime


class ProcessoOut(_Out):
    id: int = Field(description="The mirror's id (used in /processos/{id})")
    proc_id: int = Field(description="Upstream ProcID")
    empresa_id: int | None
    empresa_nome: str | None = None
    empresa_cnpj: str | None = None
    nome: str
    titulo: str | None
    competencia: str | None = Field(description="MM/YYYY")
    status: str | None
    porcentagem_conclusao: float | None = Field(description="0–100")
    total_passos: int
    passos_concluidos: int
    dias_corridos: int | None
    data_inicio: date | None
    data_conclusao: date | None
    regime_tributario: str | None
    departamento: str | None
    dt_last_dh: datetime | None
    removido_em: datetime | None
    sincronizado_em: datetime
    detalhes_atualizados_em: datetime | None = Field(
        description="When the passos and desdobramentos were last stored; null while only the list header "
        "is mirrored (a full sync fetches details after every header)")


class ProcessoDetalhe(ProcessoOut):
    criador: str | None
    gestor: str | None = Field(description="ProcGestor as the upstream gives it (a user id in real data)")
    gestor_nome: str | None = Field(None, description="The manager's name from the office's users list")
    observacoes: str | None


class PassoOut(_Out):
    id: int
    processo_id: int
    caminho: str = Field(description='Ordinal path through sub-processes, e.g. "3.2"')
    pai_id: int | None = Field(default=None, description="The enclosing sub-process step, if any")
    pai_caminho: str | None = None
    ordem: int = Field(description="Depth-first position (tree order)")
    nivel: int
    tipo: str | None
    nome: str
    descricao: str | None
    status: str | None
    concluido: bool
    responsavel: str | None
    prazo: date | None
    data_conclusao: datetime | None
    observacoes: str | None
    bloqueante: bool | None
    entrega_tipo: str | None
    entrega_nome: str | None


class DesdobramentoOut(_Out):
    id: int
    passo_id: int
    processo_id: int
    caminho: str | None = None
    pergunta: str
    alternativas: list[Any] | None
    resposta: str | None = Field(description="null while pending")
    status: str = Field(description="OK (answered) or Pendente")
    respondido: bool
    tipo: str | None
    ordem: int
    data_resposta: datetime | None


class ObrigacaoOut(_Out):
    id: int
    ent_id: int | None
    empresa_id: int
    empresa_nome: str | None = None
    processo_id: int | None
    tipo: str
    descricao: str | None
    categoria: str | None
    status: str | None
    competencia: str | None
    data_vencimento: date | None
    data_atraso: date | None
    data_entrega: date | None
    data_finalizacao: datetime | None
    valor: Decimal | None
    codigo_recibo: str | None
    arquivo_url: str | None
    multa: bool | None
    responsavel: str | None
    departamento: str | None
    sincronizada_em: datetime

    @field_serializer("valor")
    def _plain_decimal(self, value: Decimal | None) -> str | None:
        # A plain decimal string ("1580.98"): no float rounding, no exponent notation.
        return None if value is None else format(value, "f")


class AlteracaoOut(_Out):
    id: int
    tipo: TipoAlteracao
    processo_id: int | None
    proc_id: int | None = Field(default=None, description="Upstream ProcID of the process")
    processo_titulo: str | None = None
    obrigacao_id: int | None
    empresa_id: int | None
    empresa_nome: str | None = None
    competencia: str | None
    descricao: str | None = Field(description="The passo, the question or the obrigação concerned")
    valor_anterior: str | None
    valor_novo: str | None
    visto_em: datetime = Field(description="When a sync saw the change (the upstream keeps no history)")
    sincronizacao_id: int | None


# ---- dashboards ---------------------------------------------------------------------------------------


class Variacao(BaseModel):
    anterior: int | float | None = Field(description="The previous competência's value")
    diferenca: int | float | None = Field(description="current − previous")
    percentual: float | None = Field(
        description="(current − previous) / previous × 100; null when previous is 0"
    )


class MesmoDiaAnterior(BaseModel):
    competencia: str = Field(description="The previous competência")
    dia_do_ciclo: int = Field(
        description="Days since this competência's cycle began (the 1st of the next month)"
    )
    data_corte: date = Field(description="The same day of the previous competência's cycle")
    total: int
    concluidos: int = Field(description="Concluded on or before data_corte")
    taxa_conclusao: float = Field(description="concluidos / total × 100")


class DashboardMetricas(BaseModel):
    competencia: str | None = Field(description="MM/YYYY, or null for every competência")
    regime: str | None
    total_processos: int
    concluidos: int
    em_andamento: int
    taxa_conclusao: float = Field(description="concluidos / total_processos × 100")
    media_conclusao: float | None = Field(description="Mean porcentagem_conclusao (0–100)")
    media_dias: float | None = Field(description="Mean dias_corridos of the concluded processes")
    total_empresas: int
    competencia_anterior: str | None
    variacao: dict[str, Variacao] | None = Field(
        description="Change against the previous competência, per metric"
    )
    mesmo_dia_anterior: MesmoDiaAnterior | None = Field(
        None,
        description="The previous competência on the same day of its cycle (a competência is worked in the "
        "month after it); null without a competência or before its cycle began",
    )
    calculada_em: datetime = Field(description="When the oldest figure in this answer was computed")


class RegimeMetricas(BaseModel):
    regime: str
    total: int
    concluidos: int
    em_andamento: int
    taxa_conclusao: float
    media_conclusao: float | None
    media_dias: float | None


class DashboardRegimes(BaseModel):
    competencia: str | None
    items: list[RegimeMetricas]
    total_processos: int
    calculada_em: datetime


class TimelinePonto(BaseModel):
    competencia: str | None = None
    data: date | None = None
    total: int
    concluidos: int
    taxa_conclusao: float | None = None


class DashboardTimeline(BaseModel):
    granularidade: str = Field(
        description='"competencia" (one item per month) or "dia" (inside one competência)'
    )
    competencia: str | None = None
    de: str | None = None
    ate: str | None = None
    items: list[TimelinePonto]
    calculada_em: datetime
