"""The step trees of long-concluded processes are pruned by the retention and fetched again on demand
(issue 26): `processos.passos_podados_em` says when a process's tree was removed.

Revision ID: 20261207_26c
Revises: 20261207_26b
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_26c"
down_revision: str | None = "20261207_26b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD/DROP COLUMN: SQLite does both in place, and rebuilding processos (its expression and
    # collated indexes) in batch mode would risk more than it gives.
    op.add_column("processos", sa.Column("passos_podados_em", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # The pruned trees stay pruned: the next full sync sees their details unchanged. Marking them changed
    # makes that sync store them again.
    op.execute("UPDATE processos SET hash_detalhe = NULL WHERE passos_podados_em IS NOT NULL")
    op.drop_column("processos", "passos_podados_em")
