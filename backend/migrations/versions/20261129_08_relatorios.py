"""Stored daily reports and the Acessórias users (ids to names)

`relatorios` keeps the workbook the daily job generates, so the web app lists and serves the last 30;
`acessorias_usuarios` maps the user ids the API gives (`ProcGestor`) to the person's name.

Revision ID: 20261129_08
Revises: 20261129_07
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261129_08"
down_revision: str | None = "20261129_07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "relatorios",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tipo", sa.String(40), nullable=False),
        sa.Column("competencia", sa.String(7), nullable=False),
        sa.Column("data", sa.Date(), nullable=False),
        sa.Column("nome_arquivo", sa.String(200), nullable=False),
        sa.Column("tamanho", sa.Integer(), nullable=False),
        sa.Column("conteudo", sa.LargeBinary(), nullable=False),
        sa.Column("gerado_em", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tipo", "competencia", "data", name="uq_relatorios_tipo_competencia_data"),
    )
    op.create_index("ix_relatorios_data", "relatorios", ["data"])
    op.create_table(
        "acessorias_usuarios",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("codigo", sa.BigInteger(), nullable=False),
        sa.Column("nome", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("status", sa.String(40)),
        sa.Column("raw_json", JSON),
        sa.Column("sincronizado_em", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("codigo", name="uq_acessorias_usuarios_codigo"),
    )


def downgrade() -> None:
    op.drop_table("acessorias_usuarios")
    op.drop_index("ix_relatorios_data", table_name="relatorios")
    op.drop_table("relatorios")
