"""What the Comprasnet API serves (`*Out`) and accepts, and the sync results (the upstream's payloads are
`upstream.py`'s)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from espelho.api import Page
from espelho.clock import today_sao_paulo
from espelho.syncs.service import RunCounts

# The tabs, in their order; abas.py holds everything else about them (and checks it names the same).
Aba = Literal["historico", "empenhos", "itens", "arquivos"]

# ---------------------------------------------------------------- what the API serves
# Money is a Decimal: Pydantic writes it as a plain decimal string ("1234567.89").


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class UasgOut(_Out):
    codigo: str
    nome_resumido: str | None
    nome: str | None
    orgao_codigo: str | None
    orgao_nome: str | None
    sincronizado_em: datetime | None
    contratos: int = 0
    escopo: str = Field(description="The lock scope of its base sync, as /sync/status names its runs")


class ContratoResumo(_Out):
    """A list item: what the contract tables of the UI show and filter on."""

    id: int
    numero: str | None
    uasg: str = Field(validation_alias="uasg_codigo", description="Code of the UASG whose list holds it")
    tipo: str | None
    categoria: str | None
    situacao: str | None
    fornecedor_tipo: str | None
    fornecedor_cnpj_cpf: str | None
    fornecedor_nome: str | None
    objeto: str | None
    processo: str | None
    modalidade: str | None
    licitacao_numero: str | None
    data_assinatura: date | None
    vigencia_inicio: date | None
    vigencia_fim: date | None
    valor_inicial: Decimal | None
    valor_global: Decimal | None
    valor_parcela: Decimal | None
    valor_acumulado: Decimal | None
    unidade_gestora_codigo: str | None
    unidade_gestora_nome_resumido: str | None
    unidade_gestora_origem_codigo: str | None = Field(
        description="The unit that signed it (contratante.orgao_origem); may differ from the managing unit")
    unidade_gestora_origem_nome_resumido: str | None
    campos_invalidos: list[str] | None = Field(
        description="Upstream fields that could not be read: stored as null, kept as received in raw_json")
    listado_em: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dias_para_vencer(self) -> int | None:
        """Days from today (America/Sao_Paulo) to vigencia_fim; negative once it has ended."""
        return None if self.vigencia_fim is None else (self.vigencia_fim - today_sao_paulo()).days

    @computed_field  # type: ignore[prop-decorator]
    @property
    def vigente(self) -> bool:
        """In force by its dates (not by the upstream's administrative `situacao`)."""
        return self.vigencia_fim is None or self.vigencia_fim >= today_sao_paulo()


class ContratoDetalhe(ContratoResumo):
    receita_despesa: str | None
    codigo_tipo: str | None
    subtipo: str | None
    prorrogavel: bool | None
    amparo_legal: str | None
    informacao_complementar: str | None
    codigo_modalidade: str | None
    unidade_compra: str | None
    data_publicacao: date | None
    data_proposta_comercial: date | None
    num_parcelas: int | None
    orgao_codigo: str | None
    orgao_nome: str | None
    unidade_gestora_nome: str | None
    orgao_origem_codigo: str | None
    orgao_origem_nome: str | None
    unidade_gestora_origem_nome: str | None
    unidades_requisitantes: str | None
    subcategoria: str | None
    justificativa_inativo: str | None
    links: dict[str, Any] | None
    raw_json: dict[str, Any]
    criado_em: datetime
    historico_atualizado_em: datetime | None
    empenhos_atualizados_em: datetime | None
    itens_atualizados_em: datetime | None
    arquivos_atualizados_em: datetime | None
    detalhes_atualizados_em: datetime | None
    totais: dict[str, int] = Field(default_factory=dict, description="Stored rows per tab")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def historico_atualizado(self) -> bool:
        return self.historico_atualizado_em is not None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def empenhos_atualizados(self) -> bool:
        return self.empenhos_atualizados_em is not None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def itens_atualizados(self) -> bool:
        return self.itens_atualizados_em is not None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def arquivos_atualizados(self) -> bool:
        return self.arquivos_atualizados_em is not None


class HistoricoOut(_Out):
    id: int
    contrato_id: int
    receita_despesa: str | None
    numero: str | None
    observacao: str | None
    ug: str | None
    gestao: str | None
    fornecedor_tipo: str | None
    fornecedor_cnpj_cpf: str | None
    fornecedor_nome: str | None
    codigo_tipo: str | None
    tipo: str | None
    qualificacao_termo: list[Any] | None
    categoria: str | None
    processo: str | None
    objeto: str | None
    fundamento_legal_aditivo: str | None
    informacao_complementar: str | None
    modalidade: str | None
    licitacao_numero: str | None
    codigo_unidade_origem: str | None
    nome_unidade_origem: str | None
    data_assinatura: date | None
    data_publicacao: date | None
    data_proposta_comercial: date | None
    vigencia_inicio: date | None
    vigencia_fim: date | None
    valor_inicial: Decimal | None
    valor_global: Decimal | None
    num_parcelas: int | None
    valor_parcela: Decimal | None
    novo_valor_global: Decimal | None
    novo_num_parcelas: int | None
    novo_valor_parcela: Decimal | None
    data_inicio_novo_valor: date | None
    retroativo: bool | None
    retroativo_mesref_de: str | None
    retroativo_anoref_de: str | None
    retroativo_mesref_ate: str | None
    retroativo_anoref_ate: str | None
    retroativo_vencimento: date | None
    retroativo_valor: Decimal | None
    situacao_contrato: str | None
    criado_em: datetime | None
    alterado_em: datetime | None
    sincronizado_em: datetime
    campos_invalidos: list[str] | None
    raw_json: dict[str, Any]


class EmpenhoOut(_Out):
    id: int
    contrato_id: int
    unidade_gestora: str | None
    gestao: str | None
    numero: str | None
    data_emissao: date | None
    credor: str | None
    credor_tipo: str | None
    credor_cnpj_cpf: str | None
    credor_nome: str | None
    fonte_recurso: str | None
    programa_trabalho: str | None
    planointerno: str | None
    naturezadespesa: str | None
    empenhado: Decimal | None
    aliquidar: Decimal | None
    liquidado: Decimal | None
    pago: Decimal | None
    rpinscrito: Decimal | None
    rpaliquidar: Decimal | None
    rpliquidado: Decimal | None
    rppago: Decimal | None
    informacao_complementar: str | None
    sistema_origem: str | None
    links: dict[str, Any] | None
    sincronizado_em: datetime
    campos_invalidos: list[str] | None
    raw_json: dict[str, Any]


class ItemOut(_Out):
    id: int
    contrato_id: int
    tipo_id: str | None
    tipo_material: str | None
    grupo_id: str | None
    catmatseritem_id: str | None
    descricao_complementar: str | None
    quantidade: Decimal | None
    valorunitario: Decimal | None
    valortotal: Decimal | None
    numero_item_compra: str | None
    data_inicio_item: datetime | None
    historico_item: list[Any] | None
    sincronizado_em: datetime
    campos_invalidos: list[str] | None
    raw_json: dict[str, Any]


class ArquivoOut(_Out):
    id: int
    contrato_id: int
    tipo: str | None
    processo: str | None
    sequencial_documento: str | None
    descricao: str | None
    path_arquivo: str | None
    origem: str | None
    link_sei: str | None
    sincronizado_em: datetime
    campos_invalidos: list[str] | None
    raw_json: dict[str, Any]


AbaRowOut = HistoricoOut | EmpenhoOut | ItemOut | ArquivoOut


class AbaSyncOut(Page[dict[str, Any]]):
    """Answer of POST /api/contratos/{id}/sincronizar/{aba}/: the tab's stored rows after the sync."""

    contrato_id: int
    aba: Aba
    atualizado_em: datetime
    api_calls: int
    invalidos: int = Field(0, description="Upstream rows skipped: no usable id, or not an object")
    campos_invalidos: dict[str, int] = Field(
        default_factory=dict, description="Fields stored as null because they could not be read, by field")


class ContratoSyncIn(BaseModel):
    data_types: list[Aba] | None = Field(None, description="Tabs to sync; all four when omitted")


class AbaResultado(BaseModel):
    aba: Aba
    status: Literal["ok", "erro"]
    registros: int = 0
    invalidos: int = 0
    campos_invalidos: dict[str, int] = Field(default_factory=dict)
    api_calls: int = 0
    atualizado_em: datetime | None = None
    erro: str | None = None


class ContratoSyncOut(BaseModel):
    contrato_id: int
    abas: dict[str, AbaResultado]
    historicos: int
    empenhos: int
    itens: int
    arquivos: int
    api_calls: int
    duration_s: float
    detalhes_atualizados_em: datetime | None


class ContratoSyncResult(ContratoSyncOut):
    """A contract's tab sync as the CLI prints it and its run records it (the API answers the fields
    of ContratoSyncOut)."""

    erros: dict[str, str | None]

    def counts(self) -> RunCounts:
        return RunCounts(api_calls=self.api_calls,
                         total_processos=sum(r.registros for r in self.abas.values()))

    def estatisticas(self) -> dict[str, Any]:
        return {**self.model_dump(mode="json"), "total_processos": self.counts().total_processos}


class RegistroInvalido(BaseModel):
    indice: int
    id: Any
    erro: str


class UasgSyncResult(BaseModel):
    """A UASG's base sync, as the CLI prints it (`--json`) and its run records it."""

    uasg: str
    inativos: bool = Field(False, description="Whether the inactive list was fetched too (a 2nd call)")
    contratos_recebidos: int = Field(description="Records received, both lists together")
    inativos_recebidos: int = 0
    contratos_processados: int
    contratos_novos: int
    contratos_atualizados: int
    fora_da_vigencia: int
    invalidos: int = Field(description="Records skipped: no usable id, or not an object")
    motivos_invalidos: dict[str, int] = Field(default_factory=dict, description="Skipped records by reason")
    contratos_com_campos_invalidos: int = 0
    campos_invalidos: dict[str, int] = Field(
        default_factory=dict, description="Fields stored as NULL because they could not be read, by field")
    erros: list[RegistroInvalido]
    # The tab rows a base sync does not fetch (always 0 here; a contract's tab sync counts them).
    historicos: int = 0
    empenhos: int = 0
    itens: int = 0
    arquivos: int = 0
    api_calls: int
    duration_s: float
    run_id: int

    def counts(self) -> RunCounts:
        return RunCounts(api_calls=self.api_calls, total_processos=self.contratos_processados,
                         novos=self.contratos_novos, atualizados=self.contratos_atualizados, removidos=0)

    def estatisticas(self) -> dict[str, Any]:
        counts = self.counts()
        return {**self.model_dump(mode="json"), "total_processos": counts.total_processos,
                "novos": counts.novos, "atualizados": counts.atualizados, "removidos": counts.removidos}
