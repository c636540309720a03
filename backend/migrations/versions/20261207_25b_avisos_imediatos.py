"""Immediate notices, opt-in per person: the linked phone's switch, since when, and the last one sent.

Revision ID: 20261207_25b
Revises: 20261207_23
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_25b"
down_revision: str | None = "20261207_23"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("whatsapp_vinculos") as batch:
        batch.add_column(sa.Column("avisos_imediatos", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("avisos_desde", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("aviso_enviado_em", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("whatsapp_vinculos") as batch:
        batch.drop_column("aviso_enviado_em")
        batch.drop_column("avisos_desde")
        batch.drop_column("avisos_imediatos")
