"""The probe remembers when it last wrote a change (`sondagens.mudou_em`), so the web app reloads its data
when something changed rather than after every probe (issue 25).

Revision ID: 20261207_25c
Revises: 20261207_22b
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_25c"
down_revision: str | None = "20261207_22b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sondagens") as batch:
        batch.add_column(sa.Column("mudou_em", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sondagens") as batch:
        batch.drop_column("mudou_em")
