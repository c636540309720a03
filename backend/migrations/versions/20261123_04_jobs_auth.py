"""Jobs, locks and auth: the database lock table used when there is no Redis

Revision ID: 20261123_04
Revises: 20261123_03
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261123_04"
down_revision: str | None = "20261123_03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_locks",
        sa.Column("escopo", sa.String(length=80), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("adquirido_em", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expira_em", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("escopo", name=op.f("pk_sync_locks")),
    )
    # The stale-run sweep and "is a run of this scope going" look up INICIADA runs by scope.
    op.create_index("ix_sincronizacoes_escopo_status", "sincronizacoes", ["escopo", "status"], unique=False)
    # Login looks users up by lower(email).
    op.create_index("ix_usuarios_email_lower", "usuarios", [sa.text("lower(email)")], unique=False)


def downgrade() -> None:
    op.drop_index("ix_usuarios_email_lower", table_name="usuarios")
    op.drop_index("ix_sincronizacoes_escopo_status", table_name="sincronizacoes")
    op.drop_table("sync_locks")
