"""Raw JSON stored compressed (issue 26): the mirror's `raw_json` columns become bytes (a zstd frame, with a
dictionary per table: espelho/acessorias/brutos.py), and a question no longer repeats its step's raw.

- `dicionarios_brutos`: the dictionaries, named in every frame by zstd's `dict_id`.
- `raw_json` of empresas, processos, passos, obrigacoes and acessorias_usuarios: JSON → bytes. The rows
  keep their JSON as text for now (the reader knows both); the first sync after the upgrade trains each
  table's dictionary and recompresses its rows. SQLite stores any value in any column: its values become
  blobs and the declared type stays, as rebuilding these tables (their expression indexes) would risk more.
- `desdobramentos.raw_json` is dropped: it was the passo's raw, stored twice.

Revision ID: 20261207_26b
Revises: 20261207_25c
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
import zstandard
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261207_26b"
down_revision: str | None = "20261207_25c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("empresas", "processos", "passos", "obrigacoes", "acessorias_usuarios")
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_BATCH = 1_000


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "dicionarios_brutos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tabela", sa.String(length=40), nullable=False),
        sa.Column("dict_id", sa.BigInteger(), nullable=False),
        sa.Column("dados", sa.LargeBinary(), nullable=False),
        sa.Column("amostras", sa.Integer(), nullable=False),
        sa.Column("criado_em", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dicionarios_brutos")),
        sa.UniqueConstraint("dict_id", name=op.f("uq_dicionarios_brutos_dict_id")),
    )
    for table in _TABLES:
        if _postgresql():
            op.execute(f"ALTER TABLE {table} ALTER COLUMN raw_json TYPE bytea "
                       "USING convert_to(raw_json::text, 'UTF8')")
        else:
            op.execute(f"UPDATE {table} SET raw_json = CAST(raw_json AS BLOB) WHERE raw_json IS NOT NULL")
    with op.batch_alter_table("desdobramentos") as batch:
        batch.drop_column("raw_json")


def _unpacked_to_text(table: str) -> None:
    """Every frame of `table` back to its JSON text (the dictionaries as this revision stores them)."""
    bind = op.get_bind()
    dictionaries = {row.dict_id: zstandard.ZstdCompressionDict(row.dados)
                    for row in bind.execute(sa.text("SELECT dict_id, dados FROM dicionarios_brutos"))}
    rows = sa.table(table, sa.column("id", sa.Integer()), sa.column("raw_json", sa.LargeBinary()))
    last = 0
    while batch := bind.execute(sa.select(rows.c.id, rows.c.raw_json).where(rows.c.id > last)
                                .order_by(rows.c.id).limit(_BATCH)).all():
        last = batch[-1].id
        changed = []
        for row in batch:
            data = bytes(row.raw_json) if row.raw_json is not None else b""
            if data.startswith(_ZSTD_MAGIC):
                dict_id = zstandard.get_frame_parameters(data).dict_id
                decompressor = (zstandard.ZstdDecompressor(dict_data=dictionaries[dict_id]) if dict_id
                                else zstandard.ZstdDecompressor())
                changed.append({"row_id": row.id, "texto": decompressor.decompress(data)})
        if changed:
            bind.execute(rows.update().where(rows.c.id == sa.bindparam("row_id"))
                         .values(raw_json=sa.bindparam("texto")), changed)


def downgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    with op.batch_alter_table("desdobramentos") as batch:
        batch.add_column(sa.Column("raw_json", json_type, nullable=True))
    for table in _TABLES:
        _unpacked_to_text(table)
        if _postgresql():
            op.execute(f"ALTER TABLE {table} ALTER COLUMN raw_json TYPE jsonb "
                       "USING convert_from(raw_json, 'UTF8')::jsonb")
        else:
            op.execute(f"UPDATE {table} SET raw_json = CAST(raw_json AS TEXT) WHERE raw_json IS NOT NULL")
    # A question's raw was its step's.
    op.execute("UPDATE desdobramentos SET raw_json = "
               "(SELECT passos.raw_json FROM passos WHERE passos.id = desdobramentos.passo_id)")
    op.drop_table("dicionarios_brutos")
