"""A linked phone dies with its user's token version (issue 20, N6).

`whatsapp_vinculos.token_version` holds the user's token version when the phone was linked; a password,
role or status change moves the user's on, and the phone gets no office data until linked again with a
new code. Existing links keep working: they take their user's current version.

Revision ID: 20261207_20
Revises: 20261207_22
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_20"
down_revision: str | None = "20261207_22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("whatsapp_vinculos") as batch:
        batch.add_column(sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE whatsapp_vinculos SET token_version = (SELECT usuarios.token_version FROM usuarios "
               "WHERE usuarios.id = whatsapp_vinculos.usuario_id)")


def downgrade() -> None:
    with op.batch_alter_table("whatsapp_vinculos") as batch:
        batch.drop_column("token_version")
