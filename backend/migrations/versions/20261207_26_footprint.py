"""A database that fits a small plan for years: the step tree stored once, fewer indexes, size history

- `processos.hash_detalhe`: the hash of the whole stored detail, so an unchanged detail is not rewritten;
  `processos.raw_json` keeps only the header: existing rows lose their `ProcPassos` (the same tree is in
  `passos`/`desdobramentos`, each step with its own raw), and get the hash of what they stored, so the
  next sync of unchanged data rewrites nothing.
- Index review of `processos`: four indexes were a prefix of another one that serves the same filter
  (competência, status, empresa, competência + status): dropped. The 16 left each serve a filter or an
  ordering of the read API (tests/acessorias_api/test_indexes.py shows each one in an EXPLAIN).
- `tamanhos_banco`: the database size once a day (the daily retention job), for `espelho db status`'s
  growth over the last 30 days.

On PostgreSQL the rewritten `processos` rows leave dead tuples that autovacuum reclaims for reuse; a
`VACUUM FULL processos` after the upgrade gives the space back at once (docs/operations.md).

Revision ID: 20261207_26
Revises: 20261129_10
Create Date: 2026-12-07
"""

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261207_26"
down_revision: str | None = "20261129_10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# (name, columns, PostgreSQL INCLUDE columns) as migrations 03 and 05 made them, for the downgrade.
_REDUNDANT = [
    ("ix_processos_empresa_id", ["empresa_id"], None),  # ix_processos_empresa_id_id
    ("ix_processos_competencia", ["competencia"], None),  # ix_processos_competencia_id, _metricas
    ("ix_processos_status", ["status"], None),  # ix_processos_status_id
    # ix_processos_competencia_metricas holds the status of each competência's rows
    ("ix_processos_competencia_status", ["competencia", "status"], ["removido_em"]),
]
_BATCH = 500


def _stable_hash(payload: Any) -> str:
    # The sync's own hash (acessorias.schemas.stable_hash), frozen here as this revision knew it.
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _strip_step_trees() -> None:
    processos = sa.table("processos", sa.column("id", sa.Integer()), sa.column("raw_json", JSON),
                         sa.column("hash_detalhe", sa.String(64)))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(processos.c.id, processos.c.raw_json).where(processos.c.id > last)
                            .order_by(processos.c.id).limit(_BATCH)).all()
        if not rows:
            return
        last = rows[-1].id
        changed = [{"row_id": row.id, "raw": {k: v for k, v in row.raw_json.items() if k != "ProcPassos"},
                    "hash": _stable_hash(row.raw_json)}
                   for row in rows if isinstance(row.raw_json, dict) and "ProcPassos" in row.raw_json]
        if changed:
            bind.execute(processos.update().where(processos.c.id == sa.bindparam("row_id"))
                         .values(raw_json=sa.bindparam("raw"), hash_detalhe=sa.bindparam("hash")), changed)


def upgrade() -> None:
    op.add_column("processos", sa.Column("hash_detalhe", sa.String(length=64), nullable=True))
    _strip_step_trees()
    for name, _columns, _include in _REDUNDANT:
        op.drop_index(name, table_name="processos")
    op.create_table(
        "tamanhos_banco",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dia", sa.Date(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("medido_em", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tamanhos_banco")),
        sa.UniqueConstraint("dia", name=op.f("uq_tamanhos_banco_dia")),
    )


def downgrade() -> None:
    # The stripped step trees are not put back: the next full sync rewrites every processo with its detail.
    op.drop_table("tamanhos_banco")
    for name, columns, include in reversed(_REDUNDANT):
        op.create_index(name, "processos", columns, postgresql_include=include)
    op.drop_column("processos", "hash_detalhe")
