"""Acessorias read API indexes and metrics cache

Revision ID: 20261123_05
Revises: 20261123_04
Create Date: 2026-11-23
"""

from collections.abc import Sequence

revision: str = "20261123_05"
down_revision: str | None = "20261123_04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
