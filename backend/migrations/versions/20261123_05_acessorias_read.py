"""Acessorias read API indexes and metrics cache

Indexes for every filter and ordering of the read API (migration 03 already indexes processos.empresa_id,
.competencia, .status, obrigacoes.empresa_id/.processo_id/.competencia/.data_vencimento and the unique
keys). On PostgreSQL, `q` text search (ILIKE '%…%') is served by pg_trgm GIN indexes.

Revision ID: 20261123_05
Revises: 20261123_04
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261123_05"
down_revision: str | None = "20261123_04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# On PostgreSQL, list counts (every list filter adds `removido_em IS NULL`) read the index alone.
_NOT_REMOVED = ["removido_em"]
# The dashboard aggregates of one competência read only this index (an index-only scan on PostgreSQL).
_METRIC_COLUMNS = [
    "status",
    "porcentagem_conclusao",
    "dias_corridos",
    "empresa_id",
    "regime_tributario",
    "removido_em",
    "data_inicio",
    "data_conclusao",
]

# (name, table, columns[, PostgreSQL INCLUDE columns]) — b-tree indexes on both backends.
_INDEXES: list[tuple[str, str, list[str]] | tuple[str, str, list[str], list[str]]] = [
    ("ix_processos_regime_tributario", "processos", ["regime_tributario"], _NOT_REMOVED),
    # Orderings: (column, id) as the API sorts, so a page reads 50 index entries even when the column has
    # few distinct values (template names, day counts) and needs no sort.
    ("ix_processos_nome_id", "processos", ["nome", "id"]),
    ("ix_processos_data_inicio_id", "processos", ["data_inicio", "id"]),
    ("ix_processos_data_conclusao_id", "processos", ["data_conclusao", "id"]),
    ("ix_processos_dias_corridos_id", "processos", ["dias_corridos", "id"]),
    ("ix_processos_porcentagem_conclusao_id", "processos", ["porcentagem_conclusao", "id"]),
    ("ix_processos_dt_last_dh_id", "processos", ["dt_last_dh", "id"]),
    # Dashboards aggregate one competência; lists filter a competência/status/empresa and page by id.
    ("ix_processos_competencia_metricas", "processos", ["competencia"], _METRIC_COLUMNS),
    ("ix_processos_competencia_status", "processos", ["competencia", "status"], _NOT_REMOVED),
    ("ix_processos_competencia_id", "processos", ["competencia", "id"], _NOT_REMOVED),
    ("ix_processos_status_id", "processos", ["status", "id"], _NOT_REMOVED),
    ("ix_processos_empresa_id_id", "processos", ["empresa_id", "id"], _NOT_REMOVED),
    ("ix_passos_processo_id_ordem", "passos", ["processo_id", "ordem"]),
    ("ix_desdobramentos_processo_id_ordem", "desdobramentos", ["processo_id", "ordem"]),
    ("ix_empresas_nome_id", "empresas", ["nome", "id"]),
    ("ix_empresas_regime_tributario", "empresas", ["regime_tributario"]),
    ("ix_empresas_ativa", "empresas", ["ativa"]),
    ("ix_obrigacoes_status", "obrigacoes", ["status"]),
    ("ix_obrigacoes_tipo", "obrigacoes", ["tipo"]),
    ("ix_obrigacoes_data_entrega", "obrigacoes", ["data_entrega"]),
    ("ix_obrigacoes_data_vencimento_id", "obrigacoes", ["data_vencimento", "id"]),
    # /sync/history pages newest first over both upstreams; the metrics cache asks which runs ended
    # after a cached row was computed (or are still running).
    ("ix_sincronizacoes_iniciada_em", "sincronizacoes", ["iniciada_em"]),
    ("ix_sincronizacoes_origem_concluida_em", "sincronizacoes", ["origem", "concluida_em"]),
]

# Competência MM/YYYY sorted as YYYYMM; the read API writes exactly this expression.
_COMPETENCIA_ORDEM = "(substr(competencia, 4, 4) || substr(competencia, 1, 2))"

_TRIGRAM = [
    ("ix_processos_nome_trgm", "processos", "nome"),
    ("ix_processos_titulo_trgm", "processos", "titulo"),
    ("ix_empresas_nome_trgm", "empresas", "nome"),
    ("ix_empresas_fantasia_trgm", "empresas", "fantasia"),
]


def upgrade() -> None:
    for name, table, columns, *include in _INDEXES:
        op.create_index(name, table, columns, postgresql_include=include[0] if include else None)
    # With the id as the tie-breaker every list ordering uses, a page needs no sort at all.
    op.create_index("ix_processos_competencia_ordem", "processos", [sa.text(_COMPETENCIA_ORDEM), "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, column in _TRIGRAM:
            op.create_index(
                name, table, [column], postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"}
            )
        # CNPJ prefix search (LIKE '123%') needs pattern ops whatever the database's collation.
        op.create_index(
            "ix_empresas_cnpj_pattern", "empresas", ["cnpj"], postgresql_ops={"cnpj": "varchar_pattern_ops"}
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_empresas_cnpj_pattern", table_name="empresas")
        for name, table, _column in _TRIGRAM:
            op.drop_index(name, table_name=table)
    op.drop_index("ix_processos_competencia_ordem", table_name="processos")
    for name, table, *_rest in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
