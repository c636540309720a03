"""WhatsApp and alerts: linked phones, the message log with its status callbacks, alerts already sent

Revision ID: 20261129_07
Revises: 20261129_06
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261129_07"
down_revision: str | None = "20261129_06"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "whatsapp_vinculos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("usuario_id", sa.Integer(), nullable=False),
        sa.Column("wa_id", sa.String(length=20), nullable=True),
        sa.Column("nome_perfil", sa.String(length=200), nullable=True),
        sa.Column("vinculado_em", sa.DateTime(timezone=True), nullable=True),
        sa.Column("codigo", sa.String(length=12), nullable=True),
        sa.Column("codigo_expira_em", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alertas_ativos", sa.Boolean(), nullable=False),
        sa.Column("criado_em", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["usuario_id"], ["usuarios.id"],
                                name=op.f("fk_whatsapp_vinculos_usuario_id_usuarios"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_vinculos")),
        sa.UniqueConstraint("codigo", name=op.f("uq_whatsapp_vinculos_codigo")),
        sa.UniqueConstraint("usuario_id", name=op.f("uq_whatsapp_vinculos_usuario_id")),
        sa.UniqueConstraint("wa_id", name=op.f("uq_whatsapp_vinculos_wa_id")),
    )
    op.create_table(
        "whatsapp_mensagens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wamid", sa.String(length=200), nullable=True),
        sa.Column("direcao", sa.String(length=8), nullable=False),
        sa.Column("wa_id", sa.String(length=20), nullable=False),
        sa.Column("usuario_id", sa.Integer(), nullable=True),
        sa.Column("tipo", sa.String(length=20), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=True),
        sa.Column("texto", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_em", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erro_codigo", sa.Integer(), nullable=True),
        sa.Column("erro", sa.Text(), nullable=True),
        sa.Column("criada_em", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processada_em", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw_json", _JSON, nullable=True),
        sa.ForeignKeyConstraint(["usuario_id"], ["usuarios.id"],
                                name=op.f("fk_whatsapp_mensagens_usuario_id_usuarios"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_mensagens")),
        # Redeliveries of one inbound message collide here: stored once, acted on once.
        sa.UniqueConstraint("wamid", name=op.f("uq_whatsapp_mensagens_wamid")),
    )
    # The message log filtered by phone, newest first.
    op.create_index("ix_whatsapp_mensagens_wa_id_id", "whatsapp_mensagens", ["wa_id", "id"], unique=False)
    op.create_table(
        "whatsapp_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wamid", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("ocorrido_em", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erro_codigo", sa.Integer(), nullable=True),
        sa.Column("erro", sa.Text(), nullable=True),
        sa.Column("raw_json", _JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_status")),
        sa.UniqueConstraint("wamid", "status", name=op.f("uq_whatsapp_status_wamid_status")),
    )
    op.create_table(
        "alertas_enviados",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("usuario_id", sa.Integer(), nullable=False),
        sa.Column("chave", sa.String(length=200), nullable=False),
        sa.Column("canal", sa.String(length=20), nullable=False),
        sa.Column("enviado_em", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["usuario_id"], ["usuarios.id"],
                                name=op.f("fk_alertas_enviados_usuario_id_usuarios"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alertas_enviados")),
        # Never the same alert twice for the same fact.
        sa.UniqueConstraint("usuario_id", "chave", name=op.f("uq_alertas_enviados_usuario_id_chave")),
    )


def downgrade() -> None:
    op.drop_table("alertas_enviados")
    op.drop_table("whatsapp_status")
    op.drop_index("ix_whatsapp_mensagens_wa_id_id", table_name="whatsapp_mensagens")
    op.drop_table("whatsapp_mensagens")
    op.drop_table("whatsapp_vinculos")
