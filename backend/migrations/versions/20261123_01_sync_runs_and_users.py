"""sync runs and users

Revision ID: 20261123_01
Revises: 
Create Date: 2026-11-23 15:48:49.534431
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261123_01'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sincronizacoes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('origem', sa.String(length=20), nullable=False),
    sa.Column('tipo', sa.String(length=20), nullable=False),
    sa.Column('escopo', sa.String(length=60), nullable=False),
    sa.Column('competencia', sa.String(length=7), nullable=True),
    sa.Column('total_processos', sa.Integer(), nullable=True),
    sa.Column('processos_novos', sa.Integer(), nullable=True),
    sa.Column('processos_atualizados', sa.Integer(), nullable=True),
    sa.Column('processos_removidos', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('mensagem_erro', sa.Text(), nullable=True),
    sa.Column('tempo_execucao', sa.Double(), nullable=True),
    sa.Column('api_calls', sa.Integer(), nullable=True),
    sa.Column('estatisticas', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('iniciada_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('concluida_em', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_em', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sincronizacoes'))
    )
    with op.batch_alter_table('sincronizacoes', schema=None) as batch_op:
        batch_op.create_index('ix_sincronizacoes_origem_iniciada_em', ['origem', 'iniciada_em'], unique=False)
        batch_op.create_index('ix_sincronizacoes_status', ['status'], unique=False)

    op.create_table('usuarios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('nome', sa.String(length=200), nullable=True),
    sa.Column('senha_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('ativo', sa.Boolean(), nullable=False),
    sa.Column('criado_em', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ultimo_acesso', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usuarios')),
    sa.UniqueConstraint('email', name=op.f('uq_usuarios_email'))
    )


def downgrade() -> None:
    op.drop_table('usuarios')
    with op.batch_alter_table('sincronizacoes', schema=None) as batch_op:
        batch_op.drop_index('ix_sincronizacoes_status')
        batch_op.drop_index('ix_sincronizacoes_origem_iniciada_em')

    op.drop_table('sincronizacoes')
