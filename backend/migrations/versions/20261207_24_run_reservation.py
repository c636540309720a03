"""Locks that die with their holder: the run row is the reservation, and sync_locks goes.

One INICIADA run per scope (a partial unique index): a second trigger of a busy scope fails at once and
answers 409 naming the run. Scope locks are now PostgreSQL session advisory locks or OS file locks beside
the SQLite file (syncs/locks.py), so the table of database locks is dropped. Runs of a scope left INICIADA
beside a newer one (only a crash could leave them) are failed first, so that the index can be built.

Revision ID: 20261207_24
Revises: 20261207_26
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_24"
down_revision: str | None = "20261207_26"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status = 'INICIADA'")


def upgrade() -> None:
    op.execute(
        "UPDATE sincronizacoes SET status = 'ERRO', concluida_em = CURRENT_TIMESTAMP, progresso = NULL, "
        "mensagem_erro = 'interrupted: found running beside a newer run of its scope (migration 20261207_24)' "
        "WHERE status = 'INICIADA' AND id < (SELECT max(newer.id) FROM sincronizacoes AS newer "
        "WHERE newer.escopo = sincronizacoes.escopo AND newer.status = 'INICIADA')"
    )
    op.create_index("uq_sincronizacoes_escopo_ativa", "sincronizacoes", ["escopo"], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.drop_table("sync_locks")


def downgrade() -> None:
    op.create_table(
        "sync_locks",
        sa.Column("escopo", sa.String(length=80), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("adquirido_em", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expira_em", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("escopo", name=op.f("pk_sync_locks")),
    )
    op.drop_index("uq_sincronizacoes_escopo_ativa", table_name="sincronizacoes")
