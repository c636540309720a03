"""Comprasnet mirror tables: UASGs, their contracts, and the four tabs loaded on demand.

Contracts and tab rows are keyed by the upstream ids. Tab rows use (contrato_id, id) as their key because
one upstream row (an empenho, typically) can be linked to several contracts; replacing one contract's tab
must never touch another contract's rows.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from espelho.db import Base

Money = Numeric(20, 2)
# Upstream payloads as received: JSON text (not JSONB) keeps their key order and is cheaper to ingest on
# PostgreSQL (~1.7x in bench/); nothing queries inside them.
RawJson = JSON()


class Uasg(Base):
    """A federal purchasing unit (UASG / unidade gestora), as last seen in its contract list."""

    __tablename__ = "uasgs"

    codigo: Mapped[str] = mapped_column(String(6), primary_key=True)
    nome_resumido: Mapped[str | None] = mapped_column(String(100))
    nome: Mapped[str | None] = mapped_column(String(300))
    orgao_codigo: Mapped[str | None] = mapped_column(String(10))
    orgao_nome: Mapped[str | None] = mapped_column(String(300))
    criado_em: Mapped[datetime]
    # Last successful base sync of this UASG.
    sincronizado_em: Mapped[datetime | None]


class Contrato(Base):
    """One instrument of a UASG's list (tipo Contrato, Empenho, …), keyed by the Comprasnet id."""

    __tablename__ = "contratos"
    __table_args__ = (
        Index("ix_contratos_uasg_codigo_vigencia_fim", "uasg_codigo", "vigencia_fim"),
        Index("ix_contratos_vigencia_fim", "vigencia_fim"),
        Index("ix_contratos_tipo", "tipo"),
        Index("ix_contratos_fornecedor_cnpj_cpf", "fornecedor_cnpj_cpf"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The UASG whose list brought this contract (the queried code, like the upstream's /ug/ filter).
    uasg_codigo: Mapped[str] = mapped_column(ForeignKey("uasgs.codigo", ondelete="CASCADE"))
    receita_despesa: Mapped[str | None] = mapped_column(String(20))
    numero: Mapped[str | None] = mapped_column(String(50))
    codigo_tipo: Mapped[str | None] = mapped_column(String(10))
    tipo: Mapped[str | None] = mapped_column(String(100))
    subtipo: Mapped[str | None] = mapped_column(String(100))
    prorrogavel: Mapped[bool | None]
    situacao: Mapped[str | None] = mapped_column(String(20))
    justificativa_inativo: Mapped[str | None] = mapped_column(Text)
    categoria: Mapped[str | None] = mapped_column(String(100))
    subcategoria: Mapped[str | None] = mapped_column(String(100))
    unidades_requisitantes: Mapped[str | None] = mapped_column(Text)  # free text upstream
    fornecedor_tipo: Mapped[str | None] = mapped_column(String(20))
    # As received, with punctuation ("12.345.678/0001-90"); individuals' CPFs come unmasked.
    fornecedor_cnpj_cpf: Mapped[str | None] = mapped_column(String(30))
    fornecedor_nome: Mapped[str | None] = mapped_column(String(300))
    processo: Mapped[str | None] = mapped_column(String(100))
    objeto: Mapped[str | None] = mapped_column(Text)
    amparo_legal: Mapped[str | None] = mapped_column(Text)
    informacao_complementar: Mapped[str | None] = mapped_column(Text)
    codigo_modalidade: Mapped[str | None] = mapped_column(String(10))
    modalidade: Mapped[str | None] = mapped_column(String(100))
    unidade_compra: Mapped[str | None] = mapped_column(String(10))
    licitacao_numero: Mapped[str | None] = mapped_column(String(50))
    data_assinatura: Mapped[date | None] = mapped_column(Date)
    data_publicacao: Mapped[date | None] = mapped_column(Date)
    data_proposta_comercial: Mapped[date | None] = mapped_column(Date)
    vigencia_inicio: Mapped[date | None] = mapped_column(Date)
    vigencia_fim: Mapped[date | None] = mapped_column(Date)
    valor_inicial: Mapped[Decimal | None] = mapped_column(Money)
    valor_global: Mapped[Decimal | None] = mapped_column(Money)
    num_parcelas: Mapped[int | None]
    valor_parcela: Mapped[Decimal | None] = mapped_column(Money)
    valor_acumulado: Mapped[Decimal | None] = mapped_column(Money)
    orgao_codigo: Mapped[str | None] = mapped_column(String(10))
    orgao_nome: Mapped[str | None] = mapped_column(String(300))
    unidade_gestora_codigo: Mapped[str | None] = mapped_column(String(10))
    unidade_gestora_nome_resumido: Mapped[str | None] = mapped_column(String(100))
    unidade_gestora_nome: Mapped[str | None] = mapped_column(String(300))
    # The unit that signed it (contratante.orgao_origem); may differ from the managing unit above.
    orgao_origem_codigo: Mapped[str | None] = mapped_column(String(10))
    orgao_origem_nome: Mapped[str | None] = mapped_column(String(300))
    unidade_gestora_origem_codigo: Mapped[str | None] = mapped_column(String(10))
    unidade_gestora_origem_nome_resumido: Mapped[str | None] = mapped_column(String(100))
    unidade_gestora_origem_nome: Mapped[str | None] = mapped_column(String(300))
    links: Mapped[dict[str, Any] | None]
    # Upstream fields that could not be read ("data_assinatura", "contratante.orgao.codigo"): stored as
    # NULL, the value as received stays in raw_json. NULL when every field was read.
    campos_invalidos: Mapped[list[Any] | None]
    raw_json: Mapped[dict[str, Any]] = mapped_column(RawJson)
    criado_em: Mapped[datetime]
    # Last base sync that saw this contract in its UASG's list (a contract that leaves the list keeps
    # its rows; this stamp stops moving).
    listado_em: Mapped[datetime]
    historico_atualizado_em: Mapped[datetime | None]
    empenhos_atualizados_em: Mapped[datetime | None]
    itens_atualizados_em: Mapped[datetime | None]
    arquivos_atualizados_em: Mapped[datetime | None]
    detalhes_atualizados_em: Mapped[datetime | None]

    uasg: Mapped[Uasg] = relationship(lazy="raise")


class _Aba:
    """Columns shared by the four tab tables."""

    contrato_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("contratos.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    raw_json: Mapped[dict[str, Any]] = mapped_column(RawJson)
    # As on contratos: the upstream fields stored as NULL because they could not be read.
    campos_invalidos: Mapped[list[Any] | None]
    sincronizado_em: Mapped[datetime]


class HistoricoContrato(_Aba, Base):
    """One instrument of a contract's history: the contract itself and each term (aditivo, apostilamento…)."""

    __tablename__ = "contrato_historico"

    receita_despesa: Mapped[str | None] = mapped_column(String(20))
    numero: Mapped[str | None] = mapped_column(String(50))
    observacao: Mapped[str | None] = mapped_column(Text)
    ug: Mapped[str | None] = mapped_column(String(10))
    gestao: Mapped[str | None] = mapped_column(String(10))
    fornecedor_tipo: Mapped[str | None] = mapped_column(String(20))
    fornecedor_cnpj_cpf: Mapped[str | None] = mapped_column(String(30))
    fornecedor_nome: Mapped[str | None] = mapped_column(String(300))
    codigo_tipo: Mapped[str | None] = mapped_column(String(10))
    tipo: Mapped[str | None] = mapped_column(String(100))
    qualificacao_termo: Mapped[list[Any] | None]
    categoria: Mapped[str | None] = mapped_column(String(100))
    processo: Mapped[str | None] = mapped_column(String(100))
    objeto: Mapped[str | None] = mapped_column(Text)
    fundamento_legal_aditivo: Mapped[str | None] = mapped_column(Text)
    informacao_complementar: Mapped[str | None] = mapped_column(Text)
    modalidade: Mapped[str | None] = mapped_column(String(100))
    licitacao_numero: Mapped[str | None] = mapped_column(String(50))
    codigo_unidade_origem: Mapped[str | None] = mapped_column(String(10))
    nome_unidade_origem: Mapped[str | None] = mapped_column(String(300))
    data_assinatura: Mapped[date | None] = mapped_column(Date)
    data_publicacao: Mapped[date | None] = mapped_column(Date)
    data_proposta_comercial: Mapped[date | None] = mapped_column(Date)
    vigencia_inicio: Mapped[date | None] = mapped_column(Date)
    vigencia_fim: Mapped[date | None] = mapped_column(Date)
    valor_inicial: Mapped[Decimal | None] = mapped_column(Money)
    valor_global: Mapped[Decimal | None] = mapped_column(Money)
    num_parcelas: Mapped[int | None]
    valor_parcela: Mapped[Decimal | None] = mapped_column(Money)
    novo_valor_global: Mapped[Decimal | None] = mapped_column(Money)
    novo_num_parcelas: Mapped[int | None]
    novo_valor_parcela: Mapped[Decimal | None] = mapped_column(Money)
    data_inicio_novo_valor: Mapped[date | None] = mapped_column(Date)
    retroativo: Mapped[bool | None]
    retroativo_mesref_de: Mapped[str | None] = mapped_column(String(4))
    retroativo_anoref_de: Mapped[str | None] = mapped_column(String(6))
    retroativo_mesref_ate: Mapped[str | None] = mapped_column(String(4))
    retroativo_anoref_ate: Mapped[str | None] = mapped_column(String(6))
    retroativo_vencimento: Mapped[date | None] = mapped_column(Date)
    retroativo_valor: Mapped[Decimal | None] = mapped_column(Money)
    situacao_contrato: Mapped[str | None] = mapped_column(String(20))
    criado_em: Mapped[datetime | None]  # upstream audit stamp
    alterado_em: Mapped[datetime | None]  # upstream audit stamp


class Empenho(_Aba, Base):
    """A budget commitment (nota de empenho) linked to a contract."""

    __tablename__ = "contrato_empenhos"

    unidade_gestora: Mapped[str | None] = mapped_column(String(10))
    gestao: Mapped[str | None] = mapped_column(String(10))
    numero: Mapped[str | None] = mapped_column(String(30))
    data_emissao: Mapped[date | None] = mapped_column(Date)
    credor: Mapped[str | None] = mapped_column(String(400))
    credor_tipo: Mapped[str | None] = mapped_column(String(20))
    credor_cnpj_cpf: Mapped[str | None] = mapped_column(String(30))
    credor_nome: Mapped[str | None] = mapped_column(String(300))
    fonte_recurso: Mapped[str | None] = mapped_column(String(20))
    programa_trabalho: Mapped[str | None] = mapped_column(String(30))
    planointerno: Mapped[str | None] = mapped_column(String(300))
    naturezadespesa: Mapped[str | None] = mapped_column(String(300))
    empenhado: Mapped[Decimal | None] = mapped_column(Money)
    aliquidar: Mapped[Decimal | None] = mapped_column(Money)
    liquidado: Mapped[Decimal | None] = mapped_column(Money)
    pago: Mapped[Decimal | None] = mapped_column(Money)
    rpinscrito: Mapped[Decimal | None] = mapped_column(Money)
    rpaliquidar: Mapped[Decimal | None] = mapped_column(Money)
    rpliquidado: Mapped[Decimal | None] = mapped_column(Money)
    rppago: Mapped[Decimal | None] = mapped_column(Money)
    informacao_complementar: Mapped[str | None] = mapped_column(Text)
    sistema_origem: Mapped[str | None] = mapped_column(String(100))
    links: Mapped[dict[str, Any] | None]


class ItemContrato(_Aba, Base):
    """A contracted item (material or service)."""

    __tablename__ = "contrato_itens"

    tipo_id: Mapped[str | None] = mapped_column(String(100))
    tipo_material: Mapped[str | None] = mapped_column(String(200))
    grupo_id: Mapped[str | None] = mapped_column(String(300))
    catmatseritem_id: Mapped[str | None] = mapped_column(String(500))
    descricao_complementar: Mapped[str | None] = mapped_column(Text)
    # A raw DB decimal upstream (numeric(15,5)), not a money string.
    quantidade: Mapped[Decimal | None] = mapped_column(Numeric(20, 5))
    valorunitario: Mapped[Decimal | None] = mapped_column(Money)
    valortotal: Mapped[Decimal | None] = mapped_column(Money)
    numero_item_compra: Mapped[str | None] = mapped_column(String(20))
    data_inicio_item: Mapped[datetime | None]
    historico_item: Mapped[list[Any] | None]


class ArquivoContrato(_Aba, Base):
    """A document attached to a contract."""

    __tablename__ = "contrato_arquivos"

    tipo: Mapped[str | None] = mapped_column(String(100))
    processo: Mapped[str | None] = mapped_column(String(100))
    sequencial_documento: Mapped[str | None] = mapped_column(String(50))
    descricao: Mapped[str | None] = mapped_column(Text)
    path_arquivo: Mapped[str | None] = mapped_column(Text)
    origem: Mapped[str | None] = mapped_column(String(100))
    link_sei: Mapped[str | None] = mapped_column(Text)
