"""The Comprasnet payloads (`Upstream*`), parsed tolerantly, and their rows.

Upstream quirks handled here (see shared/upstream/comprasnet-contratos-api.md §2.4): Brazilian money
strings ("1.000.000,50", "0,00"), plain-decimal quantities ("20.00000", sometimes "1,00000"), ISO dates,
ISO-UTC audit stamps, PHP DateTime objects, "Sim"/"Não" flags, "" for missing lookups, codes as strings
with leading zeros, ints where strings are expected and the reverse, older key names.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from espelho.upstream import parsing


def _text(value: Any) -> str | None:
    if isinstance(value, dict | list):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return parsing.text(value)


def _integer(value: Any) -> int | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return parsing.integer(value)


def _json_list(value: Any) -> list[Any] | None:
    if value is None or value == "":
        return None
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {type(value).__name__}")
    return value


Txt = Annotated[str | None, BeforeValidator(_text)]
Int = Annotated[int | None, BeforeValidator(_integer)]
RequiredId = Annotated[int, BeforeValidator(_integer)]
Money = Annotated[Decimal | None, BeforeValidator(parsing.br_money)]
Quantity = Annotated[Decimal | None, BeforeValidator(parsing.plain_decimal)]
IsoDate = Annotated[date | None, BeforeValidator(parsing.iso_date)]
UtcStamp = Annotated[datetime | None, BeforeValidator(parsing.utc_timestamp)]
PhpDateTime = Annotated[datetime | None, BeforeValidator(parsing.php_datetime)]
SimNao = Annotated[bool | None, BeforeValidator(parsing.sim_nao)]
JsonList = Annotated[list[Any] | None, BeforeValidator(_json_list)]


class _Upstream(BaseModel):
    # Unknown keys are ignored here; the whole payload is kept in raw_json anyway.
    model_config = ConfigDict(extra="ignore")


class UpstreamFornecedor(_Upstream):
    tipo: Txt = None
    cnpj_cpf_idgener: Txt = None
    nome: Txt = None


class UpstreamUnidadeGestora(_Upstream):
    codigo: Txt = None
    nome_resumido: Txt = None
    nome: Txt = None


class UpstreamOrgao(_Upstream):
    codigo: Txt = None
    nome: Txt = None
    unidade_gestora: UpstreamUnidadeGestora | None = None
    unidade_gestora_origem: UpstreamUnidadeGestora | None = None


class UpstreamContratante(_Upstream):
    orgao_origem: UpstreamOrgao | None = None
    orgao: UpstreamOrgao | None = None


class UpstreamContrato(_Upstream):
    """An element of /contrato/ug/{uasg} (and of /contrato/id/{id})."""

    id: RequiredId
    receita_despesa: Txt = None
    numero: Txt = None
    contratante: UpstreamContratante | None = None
    fornecedor: UpstreamFornecedor | None = None
    codigo_tipo: Txt = None
    tipo: Txt = None
    subtipo: Txt = None
    prorrogavel: SimNao = None
    situacao: Txt = None
    justificativa_inativo: Txt = None
    categoria: Txt = None
    subcategoria: Txt = None
    # Free text naming the requesting units ("711000, 787200, 787700 e 787400.").
    unidades_requisitantes: Txt = None
    processo: Txt = None
    objeto: Txt = None
    # Older snapshots called it fundamento_legal.
    amparo_legal: Txt = Field(None, validation_alias=AliasChoices("amparo_legal", "fundamento_legal"))
    informacao_complementar: Txt = None
    codigo_modalidade: Txt = None
    modalidade: Txt = None
    unidade_compra: Txt = None
    licitacao_numero: Txt = None
    data_assinatura: IsoDate = None
    data_publicacao: IsoDate = None
    data_proposta_comercial: IsoDate = None
    vigencia_inicio: IsoDate = None
    vigencia_fim: IsoDate = None
    valor_inicial: Money = None
    valor_global: Money = None
    num_parcelas: Int = None
    valor_parcela: Money = None
    valor_acumulado: Money = None
    links: dict[str, Any] | None = None

    def row(self) -> dict[str, Any]:
        """Columns of `contratos` (without the UASG, raw payload and stamps, which the sync adds)."""
        fornecedor = self.fornecedor or UpstreamFornecedor()
        contratante = self.contratante or UpstreamContratante()
        orgao = contratante.orgao or UpstreamOrgao()
        ug = orgao.unidade_gestora or UpstreamUnidadeGestora()
        orgao_origem = contratante.orgao_origem or UpstreamOrgao()
        ug_origem = orgao_origem.unidade_gestora_origem or UpstreamUnidadeGestora()
        return {
            "id": self.id,
            "receita_despesa": self.receita_despesa,
            "numero": self.numero,
            "codigo_tipo": self.codigo_tipo,
            "tipo": self.tipo,
            "subtipo": self.subtipo,
            "prorrogavel": self.prorrogavel,
            "situacao": self.situacao,
            "justificativa_inativo": self.justificativa_inativo,
            "categoria": self.categoria,
            "subcategoria": self.subcategoria,
            "unidades_requisitantes": self.unidades_requisitantes,
            "fornecedor_tipo": fornecedor.tipo,
            "fornecedor_cnpj_cpf": fornecedor.cnpj_cpf_idgener,
            "fornecedor_nome": fornecedor.nome,
            "processo": self.processo,
            "objeto": self.objeto,
            "amparo_legal": self.amparo_legal,
            "informacao_complementar": self.informacao_complementar,
            "codigo_modalidade": self.codigo_modalidade,
            "modalidade": self.modalidade,
            "unidade_compra": self.unidade_compra,
            "licitacao_numero": self.licitacao_numero,
            "data_assinatura": self.data_assinatura,
            "data_publicacao": self.data_publicacao,
            "data_proposta_comercial": self.data_proposta_comercial,
            "vigencia_inicio": self.vigencia_inicio,
            "vigencia_fim": self.vigencia_fim,
            "valor_inicial": self.valor_inicial,
            "valor_global": self.valor_global,
            "num_parcelas": self.num_parcelas,
            "valor_parcela": self.valor_parcela,
            "valor_acumulado": self.valor_acumulado,
            "orgao_codigo": orgao.codigo,
            "orgao_nome": orgao.nome,
            "unidade_gestora_codigo": ug.codigo,
            "unidade_gestora_nome_resumido": ug.nome_resumido,
            "unidade_gestora_nome": ug.nome,
            "orgao_origem_codigo": orgao_origem.codigo,
            "orgao_origem_nome": orgao_origem.nome,
            "unidade_gestora_origem_codigo": ug_origem.codigo,
            "unidade_gestora_origem_nome_resumido": ug_origem.nome_resumido,
            "unidade_gestora_origem_nome": ug_origem.nome,
            "links": self.links,
        }


class UpstreamHistorico(_Upstream):
    id: RequiredId
    receita_despesa: Txt = None
    numero: Txt = None
    observacao: Txt = None
    ug: Txt = None
    gestao: Txt = None
    fornecedor: UpstreamFornecedor | None = None
    codigo_tipo: Txt = None
    tipo: Txt = None
    qualificacao_termo: JsonList = None
    categoria: Txt = None
    processo: Txt = None
    objeto: Txt = None
    fundamento_legal_aditivo: Txt = None
    informacao_complementar: Txt = None
    modalidade: Txt = None
    licitacao_numero: Txt = None
    codigo_unidade_origem: Txt = None
    nome_unidade_origem: Txt = None
    data_assinatura: IsoDate = None
    data_publicacao: IsoDate = None
    data_proposta_comercial: IsoDate = None
    vigencia_inicio: IsoDate = None
    vigencia_fim: IsoDate = None
    valor_inicial: Money = None
    valor_global: Money = None
    num_parcelas: Int = None
    valor_parcela: Money = None
    novo_valor_global: Money = None
    novo_num_parcelas: Int = None
    novo_valor_parcela: Money = None
    data_inicio_novo_valor: IsoDate = None
    retroativo: SimNao = None
    retroativo_mesref_de: Txt = None
    retroativo_anoref_de: Txt = None
    retroativo_mesref_ate: Txt = None
    retroativo_anoref_ate: Txt = None
    retroativo_vencimento: IsoDate = None
    retroativo_valor: Money = None
    situacao_contrato: Txt = None
    criado_em: UtcStamp = None
    alterado_em: UtcStamp = None

    def row(self) -> dict[str, Any]:
        fornecedor = self.fornecedor or UpstreamFornecedor()
        data = self.model_dump(exclude={"fornecedor"})
        data.update(
            fornecedor_tipo=fornecedor.tipo,
            fornecedor_cnpj_cpf=fornecedor.cnpj_cpf_idgener,
            fornecedor_nome=fornecedor.nome,
        )
        return data


class UpstreamEmpenho(_Upstream):
    id: RequiredId
    unidade_gestora: Txt = None
    gestao: Txt = None
    numero: Txt = None
    data_emissao: IsoDate = None
    credor: Txt = None
    credor_obj: UpstreamFornecedor | None = None
    fonte_recurso: Txt = None
    programa_trabalho: Txt = None
    planointerno: Txt = None
    naturezadespesa: Txt = None
    empenhado: Money = None
    aliquidar: Money = None
    liquidado: Money = None
    pago: Money = None
    rpinscrito: Money = None
    rpaliquidar: Money = None
    rpliquidado: Money = None
    rppago: Money = None
    informacao_complementar: Txt = None
    sistema_origem: Txt = None
    links: dict[str, Any] | None = None

    def row(self) -> dict[str, Any]:
        credor = self.credor_obj or UpstreamFornecedor()
        data = self.model_dump(exclude={"credor_obj"})
        nome = credor.nome
        documento = credor.cnpj_cpf_idgener
        if (nome is None or documento is None) and self.credor and " - " in self.credor:
            # Older rows carry only "doc - name".
            doc_part, _, name_part = self.credor.partition(" - ")
            documento = documento or doc_part.strip() or None
            nome = nome or name_part.strip() or None
        data.update(credor_tipo=credor.tipo, credor_cnpj_cpf=documento, credor_nome=nome)
        return data


class UpstreamItem(_Upstream):
    id: RequiredId
    tipo_id: Txt = None
    tipo_material: Txt = None
    grupo_id: Txt = None
    catmatseritem_id: Txt = None
    descricao_complementar: Txt = None
    quantidade: Quantity = None
    valorunitario: Money = None
    valortotal: Money = None
    numero_item_compra: Txt = None
    data_inicio_item: PhpDateTime = None
    historico_item: JsonList = None

    def row(self) -> dict[str, Any]:
        return self.model_dump()


class UpstreamArquivo(_Upstream):
    id: RequiredId
    tipo: Txt = None
    processo: Txt = None
    sequencial_documento: Txt = None
    descricao: Txt = None
    path_arquivo: Txt = None
    origem: Txt = None
    link_sei: Txt = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_arquivos(cls, data: Any) -> Any:
        # Older payloads: "arquivos": [{"arquivo_1": "<url>"}] instead of path_arquivo.
        if isinstance(data, dict) and not data.get("path_arquivo") and isinstance(data.get("arquivos"), list):
            for entry in data["arquivos"]:
                if isinstance(entry, dict) and entry:
                    return {**data, "path_arquivo": next(iter(entry.values()))}
        return data

    def row(self) -> dict[str, Any]:
        return self.model_dump()


UpstreamAba = UpstreamHistorico | UpstreamEmpenho | UpstreamItem | UpstreamArquivo
