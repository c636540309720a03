"""Acessorias mirror: empresas, processos, passos, desdobramentos, obrigacoes, metricas_cache

Revision ID: 20261123_03
Revises: 20261123_02
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261123_03"
down_revision: str | None = "20261123_02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "empresas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("codigo", sa.BigInteger(), nullable=False),
        sa.Column("nome", sa.String(length=300), nullable=False),
        sa.Column("fantasia", sa.String(length=300), nullable=True),
        sa.Column("cnpj", sa.String(length=20), nullable=True),
        sa.Column("identificador", sa.String(length=30), nullable=True),
        sa.Column("regime_tributario", sa.String(length=200), nullable=True),
        sa.Column("ativa", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("uf", sa.String(length=2), nullable=True),
        sa.Column("cliente_desde", sa.Date(), nullable=True),
        sa.Column("cliente_ate", sa.Date(), nullable=True),
        sa.Column("dt_last_dh", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hash_snapshot", sa.String(length=64), nullable=True),
        sa.Column("raw_json", JSON, nullable=True),
        sa.Column("completa", sa.Boolean(), nullable=False),
        sa.Column("sincronizada_em", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_empresas")),
        sa.UniqueConstraint("codigo", name=op.f("uq_empresas_codigo")),
    )
    op.create_index("ix_empresas_cnpj", "empresas", ["cnpj"], unique=False)

    op.create_table(
        "metricas_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competencia", sa.String(length=7), nullable=True),
        sa.Column("regime_tributario", sa.String(length=200), nullable=True),
        sa.Column("metrica_tipo", sa.String(length=80), nullable=False),
        sa.Column("valor", JSON, nullable=True),
        sa.Column("calculada_em", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metricas_cache")),
        sa.UniqueConstraint(
            "competencia",
            "regime_tributario",
            "metrica_tipo",
            name=op.f("uq_metricas_cache_competencia_regime_tributario_metrica_tipo"),
            postgresql_nulls_not_distinct=True,
        ),
    )

    op.create_table(
        "processos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proc_id", sa.BigInteger(), nullable=False),
        sa.Column("empresa_id", sa.Integer(), nullable=True),
        sa.Column("nome", sa.String(length=300), nullable=False),
        sa.Column("titulo", sa.String(length=300), nullable=True),
        sa.Column("competencia", sa.String(length=7), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("porcentagem_conclusao", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("total_passos", sa.Integer(), nullable=False),
        sa.Column("passos_concluidos", sa.Integer(), nullable=False),
        sa.Column("dias_corridos", sa.Integer(), nullable=True),
        sa.Column("data_inicio", sa.Date(), nullable=True),
        sa.Column("data_conclusao", sa.Date(), nullable=True),
        sa.Column("regime_tributario", sa.String(length=200), nullable=True),
        sa.Column("departamento", sa.String(length=120), nullable=True),
        sa.Column("criador", sa.String(length=200), nullable=True),
        sa.Column("gestor", sa.String(length=200), nullable=True),
        sa.Column("observacoes", sa.Text(), nullable=True),
        sa.Column("dt_last_dh", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hash_snapshot", sa.String(length=64), nullable=True),
        sa.Column("raw_json", JSON, nullable=True),
        sa.Column("detalhe_em", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removido_em", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sincronizado_em", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["empresa_id"],
            ["empresas.id"],
            name=op.f("fk_processos_empresa_id_empresas"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processos")),
        sa.UniqueConstraint("proc_id", name=op.f("uq_processos_proc_id")),
    )
    op.create_index("ix_processos_competencia", "processos", ["competencia"], unique=False)
    op.create_index("ix_processos_empresa_id", "processos", ["empresa_id"], unique=False)
    op.create_index("ix_processos_status", "processos", ["status"], unique=False)

    op.create_table(
        "obrigacoes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chave", sa.String(length=400), nullable=False),
        sa.Column("ent_id", sa.BigInteger(), nullable=True),
        sa.Column("empresa_id", sa.Integer(), nullable=False),
        sa.Column("processo_id", sa.Integer(), nullable=True),
        sa.Column("tipo", sa.String(length=300), nullable=False),
        sa.Column("descricao", sa.Text(), nullable=True),
        sa.Column("categoria", sa.String(length=1), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("competencia", sa.String(length=7), nullable=True),
        sa.Column("data_vencimento", sa.Date(), nullable=True),
        sa.Column("data_atraso", sa.Date(), nullable=True),
        sa.Column("data_entrega", sa.Date(), nullable=True),
        sa.Column("data_finalizacao", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valor", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("codigo_recibo", sa.String(length=120), nullable=True),
        sa.Column("arquivo_url", sa.Text(), nullable=True),
        sa.Column("multa", sa.Boolean(), nullable=True),
        sa.Column("guia_lida", sa.String(length=120), nullable=True),
        sa.Column("responsavel", sa.String(length=200), nullable=True),
        sa.Column("departamento", sa.String(length=120), nullable=True),
        sa.Column("ent_last_dh", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hash_snapshot", sa.String(length=64), nullable=True),
        sa.Column("raw_json", JSON, nullable=True),
        sa.Column("sincronizada_em", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["empresa_id"],
            ["empresas.id"],
            name=op.f("fk_obrigacoes_empresa_id_empresas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["processo_id"],
            ["processos.id"],
            name=op.f("fk_obrigacoes_processo_id_processos"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obrigacoes")),
        sa.UniqueConstraint("chave", name=op.f("uq_obrigacoes_chave")),
        sa.UniqueConstraint("ent_id", name=op.f("uq_obrigacoes_ent_id")),
    )
    op.create_index("ix_obrigacoes_competencia", "obrigacoes", ["competencia"], unique=False)
    op.create_index("ix_obrigacoes_data_vencimento", "obrigacoes", ["data_vencimento"], unique=False)
    op.create_index("ix_obrigacoes_empresa_id", "obrigacoes", ["empresa_id"], unique=False)
    op.create_index("ix_obrigacoes_processo_id", "obrigacoes", ["processo_id"], unique=False)

    op.create_table(
        "passos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("processo_id", sa.Integer(), nullable=False),
        sa.Column("chave", sa.String(length=120), nullable=False),
        sa.Column("caminho", sa.String(length=100), nullable=False),
        sa.Column("ordem", sa.Integer(), nullable=False),
        sa.Column("nivel", sa.Integer(), nullable=False),
        sa.Column("tipo", sa.String(length=40), nullable=True),
        sa.Column("nome", sa.Text(), nullable=False),
        sa.Column("descricao", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("concluido", sa.Boolean(), nullable=False),
        sa.Column("responsavel", sa.String(length=200), nullable=True),
        sa.Column("prazo", sa.Date(), nullable=True),
        sa.Column("data_conclusao", sa.DateTime(timezone=True), nullable=True),
        sa.Column("observacoes", sa.Text(), nullable=True),
        sa.Column("bloqueante", sa.Boolean(), nullable=True),
        sa.Column("entrega_tipo", sa.String(length=40), nullable=True),
        sa.Column("entrega_nome", sa.String(length=300), nullable=True),
        sa.Column("raw_json", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["processo_id"],
            ["processos.id"],
            name=op.f("fk_passos_processo_id_processos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passos")),
        sa.UniqueConstraint("chave", name=op.f("uq_passos_chave")),
        sa.UniqueConstraint("processo_id", "caminho", name=op.f("uq_passos_processo_id_caminho")),
    )

    op.create_table(
        "desdobramentos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("passo_id", sa.Integer(), nullable=False),
        sa.Column("processo_id", sa.Integer(), nullable=False),
        sa.Column("chave", sa.String(length=120), nullable=False),
        sa.Column("pergunta", sa.Text(), nullable=False),
        sa.Column("resposta", sa.Text(), nullable=True),
        sa.Column("alternativas", JSON, nullable=True),
        sa.Column("tipo", sa.String(length=40), nullable=True),
        sa.Column("ordem", sa.Integer(), nullable=False),
        sa.Column("respondido", sa.Boolean(), nullable=False),
        sa.Column("data_resposta", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw_json", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["passo_id"], ["passos.id"], name=op.f("fk_desdobramentos_passo_id_passos"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["processo_id"],
            ["processos.id"],
            name=op.f("fk_desdobramentos_processo_id_processos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desdobramentos")),
        sa.UniqueConstraint("chave", name=op.f("uq_desdobramentos_chave")),
        sa.UniqueConstraint("passo_id", name=op.f("uq_desdobramentos_passo_id")),
    )
    op.create_index("ix_desdobramentos_processo_id", "desdobramentos", ["processo_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_desdobramentos_processo_id", table_name="desdobramentos")
    op.drop_table("desdobramentos")
    op.drop_table("passos")
    for name in (
        "ix_obrigacoes_processo_id",
        "ix_obrigacoes_empresa_id",
        "ix_obrigacoes_data_vencimento",
        "ix_obrigacoes_competencia",
    ):
        op.drop_index(name, table_name="obrigacoes")
    op.drop_table("obrigacoes")
    for name in ("ix_processos_status", "ix_processos_empresa_id", "ix_processos_competencia"):
        op.drop_index(name, table_name="processos")
    op.drop_table("processos")
    op.drop_table("metricas_cache")
    op.drop_index("ix_empresas_cnpj", table_name="empresas")
    op.drop_table("empresas")
