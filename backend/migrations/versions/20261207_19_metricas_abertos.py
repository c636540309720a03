"""The dashboards' resumo gains `abertos` (regras.processo_aberto): cached figures without it are dropped,
and the next read recomputes them.

Revision ID: 20261207_19
Revises: 20261129_10
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261207_19"
down_revision: str | None = "20261129_10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM metricas_cache")


def downgrade() -> None:
    op.execute("DELETE FROM metricas_cache")
