"""A database that fits a small plan for years: the step tree stored once, fewer indexes, size history

- `processos.hash_detalhe`: the hash of the whole stored detail, so an unchanged detail is not rewritten;
  `processos.raw_json` keeps only the header: existing rows lose their `ProcPassos` (the same tree is in
  `passos`/`desdobramentos`, each step with its own raw), and get the hash of what they stored, so the
  next sync of unchanged data rewrites nothing.
- Index review. `processos`: four indexes were a prefix of another one that serves the same filter
  (competência, status, empresa, competência + status): dropped; the 16 left each serve a filter or an
  ordering of the read API (tests/acessorias_api/test_indexes.py shows each one in an EXPLAIN). Its two
  trigram (GIN) indexes stop buffering inserts in a pending list (`fastupdate = off`): the list grew to
  4 MB per index before it was merged, and its pages stayed in the index. The step tables: a process's
  passos are read through `uq_passos_processo_id_caminho` (a handful of rows, sorted), its desdobramentos
  through `ix_desdobramentos_processo_id_ordem`: the other index of each was the same lookup again.
- `tamanhos_banco`: the database size once a day (the daily retention job), for `espelho db status`'s
  growth over the last 30 days.

On PostgreSQL the rewritten `processos` rows leave dead tuples that autovacuum reclaims for reuse; a
`VACUUM FULL processos` after the upgrade gives the space back at once (docs/operations.md).

Revision ID: 20261207_26
Revises: 20261207_19
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
down_revision: str | None = "20261207_19"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# (name, table, columns, PostgreSQL INCLUDE columns) as migrations 03 and 05 made them, for the downgrade;
# before each, the index that serves its statements.
_REDUNDANT: list[tuple[str, str, list[str], list[str] | None]] = [
    # ix_processos_empresa_id_id
    ("ix_processos_empresa_id", "processos", ["empresa_id"], None),
    # ix_processos_competencia_id and ix_processos_competencia_metricas
    ("ix_processos_competencia", "processos", ["competencia"], None),
    # ix_processos_status_id
    ("ix_processos_status", "processos", ["status"], None),
    # ix_processos_competencia_metricas, which holds the status of each competência's rows
    ("ix_processos_competencia_status", "processos", ["competencia", "status"], ["removido_em"]),
    # uq_passos_processo_id_caminho
    ("ix_passos_processo_id_ordem", "passos", ["processo_id", "ordem"], None),
    # ix_desdobramentos_processo_id_ordem
    ("ix_desdobramentos_processo_id", "desdobramentos", ["processo_id"], None),
]
_TRIGRAM = ("ix_processos_nome_trgm", "ix_processos_titulo_trgm")
_BATCH = 500


def _stable_hash(payload: Any) -> str:
    # The sync's own hash (acessorias.schemas.stable_hash), frozen here as this revision knew it.
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


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
    for name, table, _columns, _include in _REDUNDANT:
        op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "postgresql":
        for name in _TRIGRAM:
            op.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
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
    if op.get_bind().dialect.name == "postgresql":
        for name in _TRIGRAM:
            op.execute(f"ALTER INDEX {name} RESET (fastupdate)")
    for name, table, columns, include in reversed(_REDUNDANT):
        op.create_index(name, table, columns, postgresql_include=include)
    op.drop_column("processos", "hash_detalhe")
