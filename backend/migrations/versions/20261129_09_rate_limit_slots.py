"""The sliding window of requests sent to an upstream, kept in the database when there is no Redis

`rate_limit_slots`: a run started right after a crash (or a CLI run next to the server) counts what was
sent in the last minute (upstream/ratelimit.py, DatabaseRateLimiter).

Revision ID: 20261129_09
Revises: 20261129_08
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261129_09"
down_revision: str | None = "20261129_08"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nome", sa.String(length=40), nullable=False),
        sa.Column("chave", sa.String(length=32), nullable=False),
        sa.Column("conta_de", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_slots")),
        sa.UniqueConstraint("chave", name=op.f("uq_rate_limit_slots_chave")),
    )
    op.create_index("ix_rate_limit_slots_nome_conta_de", "rate_limit_slots", ["nome", "conta_de"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_slots_nome_conta_de", table_name="rate_limit_slots")
    op.drop_table("rate_limit_slots")
