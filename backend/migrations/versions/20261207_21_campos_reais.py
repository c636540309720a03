"""Faithful to the real upstreams: unreadable fields flagged, origin unit names, requisitioning units,
the company's own obligation counters, the delivery's responsável de prazo

- `contratos.campos_invalidos` and the same on the four tab tables: the upstream fields a record carried
  that could not be read (stored as NULL; the value as received stays in `raw_json`). NULL when clean.
- `contratos`: `justificativa_inativo`, `subcategoria`, `unidades_requisitantes` (free text upstream),
  `orgao_origem_nome`, `unidade_gestora_origem_nome_resumido` (beside the origin codes already stored).
- `empresas`: `obrigacoes_entregues`, `obrigacoes_atrasadas`, `obrigacoes_proximos_30d`,
  `obrigacoes_futuras_30` — the sums of the company list's `Obrigacoes[]` counters, as Acessórias counts
  them (Espelho's own counts come from the mirrored deliveries).
- `obrigacoes.responsavel_prazo`: the delivery's `Config.RespPrazo` (who owns the deadline).

Existing rows get the new columns empty; the next base sync of a UASG and the next company/delivery sync
fill them from the upstream.

Revision ID: 20261207_21
Revises: 20261207_25b
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261207_21"
down_revision: str | None = "20261207_25b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_ABAS = ("contrato_historico", "contrato_empenhos", "contrato_itens", "contrato_arquivos")
_CONTRATO_COLUMNS = (
    ("justificativa_inativo", sa.Text()),
    ("subcategoria", sa.String(100)),
    ("unidades_requisitantes", sa.Text()),
    ("orgao_origem_nome", sa.String(300)),
    ("unidade_gestora_origem_nome_resumido", sa.String(100)),
)
_CONTADORES = ("obrigacoes_entregues", "obrigacoes_atrasadas", "obrigacoes_proximos_30d", "obrigacoes_futuras_30")


def upgrade() -> None:
    with op.batch_alter_table("contratos") as batch:
        for name, kind in _CONTRATO_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
        batch.add_column(sa.Column("campos_invalidos", JSON, nullable=True))
    for table in _ABAS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("campos_invalidos", JSON, nullable=True))
    with op.batch_alter_table("empresas") as batch:
        for name in _CONTADORES:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
    with op.batch_alter_table("obrigacoes") as batch:
        batch.add_column(sa.Column("responsavel_prazo", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("obrigacoes") as batch:
        batch.drop_column("responsavel_prazo")
    with op.batch_alter_table("empresas") as batch:
        for name in reversed(_CONTADORES):
            batch.drop_column(name)
    for table in _ABAS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("campos_invalidos")
    with op.batch_alter_table("contratos") as batch:
        batch.drop_column("campos_invalidos")
        for name, _kind in reversed(_CONTRATO_COLUMNS):
            batch.drop_column(name)
