"""Acessórias full sync in two phases, resumable, with a change history and run progress

- `processos.detalhe_em` becomes `detalhes_atualizados_em` (the word the contratos mirror uses): NULL
  while only the list header of a process is mirrored.
- `alteracoes`: every change a sync saw on a process or an obrigação, once, with old and new values.
- `sincronizacoes.progresso`: phase, done/total and ETA of a running run.

Revision ID: 20261129_10
Revises: 20261129_09
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261129_10"
down_revision: str | None = "20261129_09"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # RENAME COLUMN keeps the table (and migration 05's indexes) in place on both backends.
    op.execute("ALTER TABLE processos RENAME COLUMN detalhe_em TO detalhes_atualizados_em")
    op.add_column("sincronizacoes", sa.Column("progresso", JSON, nullable=True))
    op.create_table(
        "alteracoes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tipo", sa.String(length=40), nullable=False),
        sa.Column("processo_id", sa.Integer(), nullable=True),
        sa.Column("obrigacao_id", sa.Integer(), nullable=True),
        sa.Column("empresa_id", sa.Integer(), nullable=True),
        sa.Column("competencia", sa.String(length=7), nullable=True),
        sa.Column("descricao", sa.Text(), nullable=True),
        sa.Column("valor_anterior", sa.Text(), nullable=True),
        sa.Column("valor_novo", sa.Text(), nullable=True),
        sa.Column("visto_em", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sincronizacao_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["processo_id"], ["processos.id"], name=op.f("fk_alteracoes_processo_id_processos"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["obrigacao_id"], ["obrigacoes.id"],
                                name=op.f("fk_alteracoes_obrigacao_id_obrigacoes"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["empresa_id"], ["empresas.id"], name=op.f("fk_alteracoes_empresa_id_empresas"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["sincronizacao_id"], ["sincronizacoes.id"],
                                name=op.f("fk_alteracoes_sincronizacao_id_sincronizacoes"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alteracoes")),
    )
    # The feed reads newest first (optionally by tipo or empresa); a process's history by process.
    op.create_index("ix_alteracoes_visto_em", "alteracoes", ["visto_em", "id"])
    op.create_index("ix_alteracoes_processo_id", "alteracoes", ["processo_id", "visto_em"])
    op.create_index("ix_alteracoes_empresa_id", "alteracoes", ["empresa_id", "visto_em"])
    op.create_index("ix_alteracoes_tipo", "alteracoes", ["tipo", "visto_em"])
    op.create_index("ix_alteracoes_obrigacao_id", "alteracoes", ["obrigacao_id"])


def downgrade() -> None:
    op.drop_table("alteracoes")
    op.drop_column("sincronizacoes", "progresso")
    op.execute("ALTER TABLE processos RENAME COLUMN detalhes_atualizados_em TO detalhe_em")
