"""Fresh within minutes: the probe's row per upstream (how far it has looked, its budget ledger).

Revision ID: 20261207_25
Revises: 20261207_24
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261207_25"
down_revision: str | None = "20261207_24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sondagens",
        sa.Column("origem", sa.String(20), primary_key=True),
        sa.Column("atualizado_ate", sa.DateTime(timezone=True), nullable=True),
        sa.Column("executada_em", sa.DateTime(timezone=True), nullable=True),
        sa.Column("adiada_em", sa.DateTime(timezone=True), nullable=True),
        sa.Column("chamadas", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sondagens")
