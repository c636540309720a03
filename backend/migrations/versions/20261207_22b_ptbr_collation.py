"""Names sort as a Brazilian reads them: pt-BR collation, numbers in natural order (issue 22)

PostgreSQL gets the collation `espelho_ptbr`, ICU's `pt-BR-u-kn-true` ("SÃO JOSÉ 7" before "SÃO JOSÉ 12",
"AÇOUGUE" between "Abc" and "Azul", case and accents only breaking ties). A server built without ICU gets
the name as a copy of "C", so the queries stay valid and sort bytewise. The name orderings of processos
and empresas move to indexes in that collation.

SQLite registers a collation of the same name on every connection (`espelho.db.build_engine`); an index
in it would break every connection that lacks it (the sqlite3 shell, a migration's batch copy), so SQLite
sorts names without an index: an office's few thousand rows sort in milliseconds.

Revision ID: 20261207_22b
Revises: 20261207_20
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261207_22b"
down_revision: str | None = "20261207_20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("processos", "empresas")


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("""
            DO $$ BEGIN
                CREATE COLLATION IF NOT EXISTS espelho_ptbr (provider = icu, locale = 'pt-BR-u-kn-true');
            EXCEPTION WHEN feature_not_supported THEN
                CREATE COLLATION IF NOT EXISTS espelho_ptbr FROM "C";
            END $$""")
    for table in _TABLES:
        op.drop_index(f"ix_{table}_nome_id", table_name=table)
        if postgresql:
            op.execute(f"CREATE INDEX ix_{table}_nome_ptbr ON {table} (nome COLLATE espelho_ptbr, id)")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in _TABLES:
        if postgresql:
            op.drop_index(f"ix_{table}_nome_ptbr", table_name=table)
        op.create_index(f"ix_{table}_nome_id", table, ["nome", "id"])
    if postgresql:
        op.execute("DROP COLLATION IF EXISTS espelho_ptbr")
