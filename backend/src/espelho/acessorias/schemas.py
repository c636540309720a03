"""Shapes the Acessórias read API serves (apart from the upstream payloads, `upstream.py`, and the tables)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from espelho.acessorias.competencia import Competencia
from espelho.acessorias.historico import TipoAlteracao
from espelho.acessorias.regras import Situacao
from espelho.auth.router import AcessoriasUsuarioRef


class ManualSyncRequest(BaseModel):
    tipo: Literal["FULL", "INCREMENTAL"] = "INCREMENTAL"
    competencia: Competencia | None = Field(default=None,
                                            description="MM/YYYY (FULL only: restrict to a competência)")
    restart: bool = Field(default=False, description=(
        "FULL only: fetch every detail again instead of resuming an interrupted full sync "
        "(the CLI's --restart)"))

    @model_validator(mode="after")
    def _restart_goes_with_full(self) -> ManualSyncRequest:
        if self.restart and self.tipo != "FULL":
            raise ValueError("restart goes with tipo FULL")
        return self


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
    # Acessórias' own counters: Obrigacoes[] Entregues, Atrasadas, Proximos30D and Futuras30+ of the
    # company list, summed over its obligations; null when the list sent none (Espelho's own counts are
    # the obrigações' situações).
    obrigacoes_entregues: int | None
    obrigacoes_atrasadas: int | None
    obrigacoes_proximos_30d: int | None
    obrigacoes_futuras_30: int | None
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
    status: str | None = Field(description="The upstream's label, raw (a snapshot: see situacao)")
    situacao: Situacao = Field(description=(
        "As of today (GET /api/v1/regras): entregue (a delivery date), dispensada (a Dispensada label "
        "and no delivery date), atrasada (not delivered and due before today, whatever the label) or "
        "a_vencer (due today or later, or no deadline)"))
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
    responsavel_prazo: str | None = Field(description="Who owns the deadline (Config.RespPrazo)")
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


class ObrigacoesResumo(BaseModel):
    atrasadas: int = Field(description="Not delivered nor dispensada, due before today (any competência)")
    vencem_7_dias: int = Field(description="Pending and due from today to today + 7 days")
    pendentes: int = Field(description="atrasadas + a_vencer")
    dispensadas: int = Field(description="A Dispensada label and no delivery date: in no other total")
    entregues: int = Field(description="With a delivery date")


class Resumo(BaseModel):
    data: date = Field(description="Today in America/Sao_Paulo: the day the situações refer to")
    competencia: str = Field(description=(
        "MM/YYYY: the current competência (the previous month), where every page opens; the figures "
        "cover every competência"))
    processos_abertos: int = Field(description="Not removed and not Concluído, Desistência or Excluído")
    obrigacoes: ObrigacoesResumo
    responsavel: AcessoriasUsuarioRef | None = Field(default=None, description=(
        "With `responsavel`, the person whose work the figures count (theirs only); null for the office"))


class DashboardMetricas(BaseModel):
    competencia: str | None = Field(description="MM/YYYY, or null for every competência")
    regime: str | None
    total_processos: int
    concluidos: int
    abertos: int = Field(description="Open processos: not Concluído, Desistência or Excluído (regras)")
    em_andamento: int = Field(description='Processos with the status "Em andamento" (one kind of open)')
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


class CargaResponsavel(BaseModel):
    responsavel: str = Field(description='The name Acessórias gives, or "Sem responsável"')
    passos_pendentes: int = Field(description="Steps with status Pendente of the competência's processes")
    passos_concluidos: int
    obrigacoes_pendentes: int = Field(description="Obligations of the competência pending (atrasada or "
                                      "a_vencer; a dispensada is in no count)")
    obrigacoes_atrasadas: int = Field(description="Overdue obligations as of today, of ANY competência")
    obrigacoes_entregues: int
    concluidos: int = Field(description="passos_concluidos + obrigacoes_entregues")
    eu: bool = Field(default=False, description="The caller's own row (the Acessórias person they are)")


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
    em_andamento: int = Field(description=(
        "Open processes of the competência (not Concluído, Desistência or Excluído: regras)"))
    sem_passo_pendente: int = Field(description="Open processes with no pending step mirrored")
    items: list[Gargalo] = Field(description="processos adds up to em_andamento − sem_passo_pendente")


class PessoaAcessorias(BaseModel):
    """A person of the office in Acessórias (`/users`)."""

    model_config = ConfigDict(from_attributes=True)
    id: int = Field(validation_alias="codigo", description="The person's Acessórias id")
    nome: str
    email: str | None
    status: str | None


class FilaObrigacao(BaseModel):
    id: int
    tipo: str
    empresa: str
    vencimento: date | None
    situacao: str


class FilaObrigacoes(BaseModel):
    total: int = Field(description="How many; `items` lists the first ones, nearest deadline first")
    items: list[FilaObrigacao]


class FilaProcesso(BaseModel):
    id: int
    proc_id: int
    titulo: str
    empresa: str | None
    competencia: str | None
    passo: str | None = Field(description="The first pending passo in tree order, where the processo stands")
    passo_responsavel: str | None
    parado_desde: date | None = Field(description="Its last upstream change (DtLastDH), else its start")
    dias_parado: int


class FilaProcessos(BaseModel):
    total: int = Field(description="How many; `items` lists the first ones, longest standing first")
    items: list[FilaProcesso]


class Fila(BaseModel):
    """One person's queue as of today ("Minha fila"; the WhatsApp `minhas`)."""

    data: date = Field(description="Today in America/Sao_Paulo")
    responsavel: AcessoriasUsuarioRef
    atrasadas: FilaObrigacoes = Field(description="Their overdue obrigações (situacao atrasada)")
    vencem: FilaObrigacoes = Field(description="Theirs due from today to today + vencem_dias")
    processos: FilaProcessos = Field(description="Their open processos (regras' mine), longest waiting first")
