"""Comprasnet contratos and their tabs

Revision ID: 20261123_02
Revises: 20261123_01
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261123_02"
down_revision: str | None = "20261123_01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _money(name: str) -> sa.Column:
    return sa.Column(name, sa.Numeric(precision=20, scale=2), nullable=True)


def _tab_keys(table: str) -> list[sa.Column | sa.Constraint]:
    """Key, raw payload and sync stamp shared by the four tab tables."""
    return [
        sa.Column("contrato_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("raw_json", sa.JSON(), nullable=False),
        sa.Column("sincronizado_em", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contrato_id"], ["contratos.id"], name=op.f(f"fk_{table}_contrato_id_contratos"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contrato_id", "id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "uasgs",
        sa.Column("codigo", sa.String(length=6), nullable=False),
        sa.Column("nome_resumido", sa.String(length=100), nullable=True),
        sa.Column("nome", sa.String(length=300), nullable=True),
        sa.Column("orgao_codigo", sa.String(length=10), nullable=True),
        sa.Column("orgao_nome", sa.String(length=300), nullable=True),
        sa.Column("criado_em", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sincronizado_em", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("codigo", name=op.f("pk_uasgs")),
    )
    op.create_table(
        "contratos",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("uasg_codigo", sa.String(length=6), nullable=False),
        sa.Column("receita_despesa", sa.String(length=20), nullable=True),
        sa.Column("numero", sa.String(length=50), nullable=True),
        sa.Column("codigo_tipo", sa.String(length=10), nullable=True),
        sa.Column("tipo", sa.String(length=100), nullable=True),
        sa.Column("subtipo", sa.String(length=100), nullable=True),
        sa.Column("prorrogavel", sa.Boolean(), nullable=True),
        sa.Column("situacao", sa.String(length=20), nullable=True),
        sa.Column("categoria", sa.String(length=100), nullable=True),
        sa.Column("fornecedor_tipo", sa.String(length=20), nullable=True),
        sa.Column("fornecedor_cnpj_cpf", sa.String(length=30), nullable=True),
        sa.Column("fornecedor_nome", sa.String(length=300), nullable=True),
        sa.Column("processo", sa.String(length=100), nullable=True),
        sa.Column("objeto", sa.Text(), nullable=True),
        sa.Column("amparo_legal", sa.Text(), nullable=True),
        sa.Column("informacao_complementar", sa.Text(), nullable=True),
        sa.Column("codigo_modalidade", sa.String(length=10), nullable=True),
        sa.Column("modalidade", sa.String(length=100), nullable=True),
        sa.Column("unidade_compra", sa.String(length=10), nullable=True),
        sa.Column("licitacao_numero", sa.String(length=50), nullable=True),
        sa.Column("data_assinatura", sa.Date(), nullable=True),
        sa.Column("data_publicacao", sa.Date(), nullable=True),
        sa.Column("data_proposta_comercial", sa.Date(), nullable=True),
        sa.Column("vigencia_inicio", sa.Date(), nullable=True),
        sa.Column("vigencia_fim", sa.Date(), nullable=True),
        _money("valor_inicial"),
        _money("valor_global"),
        sa.Column("num_parcelas", sa.Integer(), nullable=True),
        _money("valor_parcela"),
        _money("valor_acumulado"),
        sa.Column("orgao_codigo", sa.String(length=10), nullable=True),
        sa.Column("orgao_nome", sa.String(length=300), nullable=True),
        sa.Column("unidade_gestora_codigo", sa.String(length=10), nullable=True),
        sa.Column("unidade_gestora_nome_resumido", sa.String(length=100), nullable=True),
        sa.Column("unidade_gestora_nome", sa.String(length=300), nullable=True),
        sa.Column("orgao_origem_codigo", sa.String(length=10), nullable=True),
        sa.Column("unidade_gestora_origem_codigo", sa.String(length=10), nullable=True),
        sa.Column("unidade_gestora_origem_nome", sa.String(length=300), nullable=True),
        sa.Column("links", _json(), nullable=True),
        sa.Column("raw_json", sa.JSON(), nullable=False),
        sa.Column("criado_em", sa.DateTime(timezone=True), nullable=False),
        sa.Column("listado_em", sa.DateTime(timezone=True), nullable=False),
        sa.Column("historico_atualizado_em", sa.DateTime(timezone=True), nullable=True),
        sa.Column("empenhos_atualizados_em", sa.DateTime(timezone=True), nullable=True),
        sa.Column("itens_atualizados_em", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arquivos_atualizados_em", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detalhes_atualizados_em", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["uasg_codigo"], ["uasgs.codigo"], name=op.f("fk_contratos_uasg_codigo_uasgs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contratos")),
    )
    op.create_index("ix_contratos_fornecedor_cnpj_cpf", "contratos", ["fornecedor_cnpj_cpf"])
    op.create_index("ix_contratos_tipo", "contratos", ["tipo"])
    op.create_index("ix_contratos_uasg_codigo_vigencia_fim", "contratos", ["uasg_codigo", "vigencia_fim"])
    op.create_index("ix_contratos_vigencia_fim", "contratos", ["vigencia_fim"])

    op.create_table(
        "contrato_historico",
        *_tab_keys("contrato_historico"),
        sa.Column("receita_despesa", sa.String(length=20), nullable=True),
        sa.Column("numero", sa.String(length=50), nullable=True),
        sa.Column("observacao", sa.Text(), nullable=True),
        sa.Column("ug", sa.String(length=10), nullable=True),
        sa.Column("gestao", sa.String(length=10), nullable=True),
        sa.Column("fornecedor_tipo", sa.String(length=20), nullable=True),
        sa.Column("fornecedor_cnpj_cpf", sa.String(length=30), nullable=True),
        sa.Column("fornecedor_nome", sa.String(length=300), nullable=True),
        sa.Column("codigo_tipo", sa.String(length=10), nullable=True),
        sa.Column("tipo", sa.String(length=100), nullable=True),
        sa.Column("qualificacao_termo", _json(), nullable=True),
        sa.Column("categoria", sa.String(length=100), nullable=True),
        sa.Column("processo", sa.String(length=100), nullable=True),
        sa.Column("objeto", sa.Text(), nullable=True),
        sa.Column("fundamento_legal_aditivo", sa.Text(), nullable=True),
        sa.Column("informacao_complementar", sa.Text(), nullable=True),
        sa.Column("modalidade", sa.String(length=100), nullable=True),
        sa.Column("licitacao_numero", sa.String(length=50), nullable=True),
        sa.Column("codigo_unidade_origem", sa.String(length=10), nullable=True),
        sa.Column("nome_unidade_origem", sa.String(length=300), nullable=True),
        sa.Column("data_assinatura", sa.Date(), nullable=True),
        sa.Column("data_publicacao", sa.Date(), nullable=True),
        sa.Column("data_proposta_comercial", sa.Date(), nullable=True),
        sa.Column("vigencia_inicio", sa.Date(), nullable=True),
        sa.Column("vigencia_fim", sa.Date(), nullable=True),
        _money("valor_inicial"),
        _money("valor_global"),
        sa.Column("num_parcelas", sa.Integer(), nullable=True),
        _money("valor_parcela"),
        _money("novo_valor_global"),
        sa.Column("novo_num_parcelas", sa.Integer(), nullable=True),
        _money("novo_valor_parcela"),
        sa.Column("data_inicio_novo_valor", sa.Date(), nullable=True),
        sa.Column("retroativo", sa.Boolean(), nullable=True),
        sa.Column("retroativo_mesref_de", sa.String(length=4), nullable=True),
        sa.Column("retroativo_anoref_de", sa.String(length=6), nullable=True),
        sa.Column("retroativo_mesref_ate", sa.String(length=4), nullable=True),
        sa.Column("retroativo_anoref_ate", sa.String(length=6), nullable=True),
        sa.Column("retroativo_vencimento", sa.Date(), nullable=True),
        _money("retroativo_valor"),
        sa.Column("situacao_contrato", sa.String(length=20), nullable=True),
        sa.Column("criado_em", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alterado_em", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "contrato_empenhos",
        *_tab_keys("contrato_empenhos"),
        sa.Column("unidade_gestora", sa.String(length=10), nullable=True),
        sa.Column("gestao", sa.String(length=10), nullable=True),
        sa.Column("numero", sa.String(length=30), nullable=True),
        sa.Column("data_emissao", sa.Date(), nullable=True),
        sa.Column("credor", sa.String(length=400), nullable=True),
        sa.Column("credor_tipo", sa.String(length=20), nullable=True),
        sa.Column("credor_cnpj_cpf", sa.String(length=30), nullable=True),
        sa.Column("credor_nome", sa.String(length=300), nullable=True),
        sa.Column("fonte_recurso", sa.String(length=20), nullable=True),
        sa.Column("programa_trabalho", sa.String(length=30), nullable=True),
        sa.Column("planointerno", sa.String(length=300), nullable=True),
        sa.Column("naturezadespesa", sa.String(length=300), nullable=True),
        _money("empenhado"),
        _money("aliquidar"),
        _money("liquidado"),
        _money("pago"),
        _money("rpinscrito"),
        _money("rpaliquidar"),
        _money("rpliquidado"),
        _money("rppago"),
        sa.Column("informacao_complementar", sa.Text(), nullable=True),
        sa.Column("sistema_origem", sa.String(length=100), nullable=True),
        sa.Column("links", _json(), nullable=True),
    )
    op.create_table(
        "contrato_itens",
        *_tab_keys("contrato_itens"),
        sa.Column("tipo_id", sa.String(length=100), nullable=True),
        sa.Column("tipo_material", sa.String(length=200), nullable=True),
        sa.Column("grupo_id", sa.String(length=300), nullable=True),
        sa.Column("catmatseritem_id", sa.String(length=500), nullable=True),
        sa.Column("descricao_complementar", sa.Text(), nullable=True),
        sa.Column("quantidade", sa.Numeric(precision=20, scale=5), nullable=True),
        _money("valorunitario"),
        _money("valortotal"),
        sa.Column("numero_item_compra", sa.String(length=20), nullable=True),
        sa.Column("data_inicio_item", sa.DateTime(timezone=True), nullable=True),
        sa.Column("historico_item", _json(), nullable=True),
    )
    op.create_table(
        "contrato_arquivos",
        *_tab_keys("contrato_arquivos"),
        sa.Column("tipo", sa.String(length=100), nullable=True),
        sa.Column("processo", sa.String(length=100), nullable=True),
        sa.Column("sequencial_documento", sa.String(length=50), nullable=True),
        sa.Column("descricao", sa.Text(), nullable=True),
        sa.Column("path_arquivo", sa.Text(), nullable=True),
        sa.Column("origem", sa.String(length=100), nullable=True),
        sa.Column("link_sei", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    for table in ("contrato_arquivos", "contrato_itens", "contrato_empenhos", "contrato_historico"):
        op.drop_table(table)
    for index in ("ix_contratos_vigencia_fim", "ix_contratos_uasg_codigo_vigencia_fim", "ix_contratos_tipo",
                  "ix_contratos_fornecedor_cnpj_cpf"):
        op.drop_index(index, table_name="contratos")
    op.drop_table("contratos")
    op.drop_table("uasgs")
