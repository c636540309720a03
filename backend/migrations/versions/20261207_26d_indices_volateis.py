"""Processos lose the indexes on what changes as the work goes on, the change history its tipo index
(issue 26).

Each step done upstream rewrites its process's header (porcentagem, dias corridos, status, DtLastDH), and a
PostgreSQL UPDATE writes a new entry in every index of the row. Measured over a simulated month of the big
office (bench/bench_footprint.py), the 16 indexes of `processos` were 1.5 KB a row, two thirds of the table,
and grew 40 % past their compact size. The five dropped here index only such columns:

- `ix_processos_competencia_metricas` (competência INCLUDE status, porcentagem, …): the dashboard's aggregate
  reads the competência's rows through `ix_processos_competencia_id` instead (a heap read of ~1,200 rows, and
  the metrics cache answers most requests);
- `ix_processos_status_id`: the status filter comes with a competência (its index), or scans;
- the orderings by porcentagem_conclusao, dias_corridos and data_conclusao: a page sorts the filtered rows.

`ix_processos_dt_last_dh_id` stays: the incremental sync reads the newest mirrored DtLastDH from it.

`ix_alteracoes_tipo` (tipo, visto_em) goes too: it was the biggest index of the change history (~80 bytes a
change, a fifth of the table at its 400 days), for a filter whose values are few and common: the feed
filtered by tipo walks `ix_alteracoes_visto_em` newest first.

Revision ID: 20261207_26d
Revises: 20261207_26c
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261207_26d"
down_revision: str | None = "20261207_26c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, columns, PostgreSQL INCLUDE columns) as migration 05 made them, for the downgrade.
_VOLATEIS: list[tuple[str, list[str], list[str] | None]] = [
    ("ix_processos_competencia_metricas", ["competencia"],
     ["status", "porcentagem_conclusao", "dias_corridos", "empresa_id", "regime_tributario", "removido_em",
      "data_inicio", "data_conclusao"]),
    ("ix_processos_status_id", ["status", "id"], ["removido_em"]),
    ("ix_processos_porcentagem_conclusao_id", ["porcentagem_conclusao", "id"], None),
    ("ix_processos_dias_corridos_id", ["dias_corridos", "id"], None),
    ("ix_processos_data_conclusao_id", ["data_conclusao", "id"], None),
]


def upgrade() -> None:
    for name, _columns, _include in _VOLATEIS:
        op.drop_index(name, table_name="processos")
    op.drop_index("ix_alteracoes_tipo", table_name="alteracoes")


def downgrade() -> None:
    op.create_index("ix_alteracoes_tipo", "alteracoes", ["tipo", "visto_em"])
    for name, columns, include in _VOLATEIS:
        op.create_index(name, "processos", columns, postgresql_include=include)
