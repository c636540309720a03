"""Tokens that die with their user: a per-user token version, and user ids never reused on SQLite

Revision ID: 20261129_06
Revises: 20261123_05
Create Date: 2026-11-29
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "20261129_06"
down_revision: str | None = "20261123_05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@contextmanager
def _alter_usuarios(sqlite_autoincrement: bool) -> Iterator[BatchOperations]:
    """Alter `usuarios`; on SQLite rebuild it with or without AUTOINCREMENT, which is part of a SQLite
    table's definition. Without it SQLite hands the highest deleted id to the next user created (and with
    it the deleted user's tokens); PostgreSQL's sequence never reuses ids. The rebuild does not carry the
    expression index over, so it is dropped and recreated."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index("ix_usuarios_email_lower", table_name="usuarios")
    with op.batch_alter_table("usuarios", recreate="always" if sqlite else "auto",
                              table_kwargs={"sqlite_autoincrement": sqlite_autoincrement}) as batch:
        yield batch
    if sqlite:
        op.create_index("ix_usuarios_email_lower", "usuarios", [sa.text("lower(email)")], unique=False)


def upgrade() -> None:
    with _alter_usuarios(sqlite_autoincrement=True) as batch:
        # Tokens carry it (`ver`); a password, role or deactivation change bumps it, so older tokens die.
        batch.add_column(sa.Column("token_version", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with _alter_usuarios(sqlite_autoincrement=False) as batch:
        batch.drop_column("token_version")
