"""Each person their own: a user is tied to an Acessórias person (`usuarios.acessorias_usuario_id`, the
person's upstream id; `acessorias_vinculo_manual` once an ADMIN set or cleared it, so the automatic link by
e-mail leaves it alone), and a linked phone chooses whose alerts it gets (`whatsapp_vinculos.alertas_escopo`:
meus | escritorio; NULL is the role's default).

Revision ID: 20261207_23
Revises: 20261207_25
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_23"
down_revision: str | None = "20261207_25"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("usuarios", sa.Column("acessorias_usuario_id", sa.BigInteger(), nullable=True))
    op.add_column("usuarios", sa.Column("acessorias_vinculo_manual", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.create_index("ix_usuarios_acessorias_usuario_id", "usuarios", ["acessorias_usuario_id"])
    op.add_column("whatsapp_vinculos", sa.Column("alertas_escopo", sa.String(length=12), nullable=True))


def downgrade() -> None:
    op.drop_column("whatsapp_vinculos", "alertas_escopo")
    op.drop_index("ix_usuarios_acessorias_usuario_id", table_name="usuarios")
    op.drop_column("usuarios", "acessorias_vinculo_manual")
    op.drop_column("usuarios", "acessorias_usuario_id")
