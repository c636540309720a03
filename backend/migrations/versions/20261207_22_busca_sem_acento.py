"""Search without accents: PostgreSQL's trigram indexes move to the folded expression the searches use.

Every name search compares `espelho.db.folded(column)` (lower case, accents dropped, the same SQL on SQLite
and PostgreSQL) with the folded term, so "acougue" finds "AÇOUGUE". On PostgreSQL the pg_trgm GIN indexes
of migration 05 were on the bare columns and no longer serve those LIKEs: they are replaced by GIN indexes
on the folded expression (kept with `fastupdate = off`, as migration 26 set the others). SQLite has no
trigram index; nothing changes there.

Revision ID: 20261207_22
Revises: 20261207_21
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from espelho.db import folded

revision: str = "20261207_22"
down_revision: str | None = "20261207_21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (old index on the column, new index on the folded column, table, column)
_TRIGRAM = [
    ("ix_processos_nome_trgm", "ix_processos_nome_busca", "processos", "nome"),
    ("ix_processos_titulo_trgm", "ix_processos_titulo_busca", "processos", "titulo"),
    ("ix_empresas_nome_trgm", "ix_empresas_nome_busca", "empresas", "nome"),
    ("ix_empresas_fantasia_trgm", "ix_empresas_fantasia_busca", "empresas", "fantasia"),
]
_FASTUPDATE_OFF = ("ix_processos_nome_trgm", "ix_processos_titulo_trgm")


def _folded_sql(column: str) -> str:
    return str(folded(sa.column(column)).compile(dialect=postgresql.dialect(),
                                                 compile_kwargs={"literal_binds": True}))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for old, new, table, column in _TRIGRAM:
        op.drop_index(old, table_name=table)
        op.execute(f"CREATE INDEX {new} ON {table} USING gin (({_folded_sql(column)}) gin_trgm_ops) "
                   "WITH (fastupdate = off)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for old, new, table, column in _TRIGRAM:
        op.drop_index(new, table_name=table)
        op.create_index(old, table, [column], postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})
        if old in _FASTUPDATE_OFF:
            op.execute(f"ALTER INDEX {old} SET (fastupdate = off)")
