"""Every filter and ordering of the read API can be served by an index (EXPLAIN on PostgreSQL).

Sequential scans are disabled for the check, so the planner picks an index whenever one can serve the
statement; a filter without a usable index still shows a Seq Scan on the table.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from bench.bench_dashboard import seed_postgresql
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from espelho.acessorias import metrics, queries
from espelho.acessorias.models import Desdobramento, Empresa, MetricaCache, Obrigacao, Passo, Processo
from espelho.acessorias.queries import ProcessoFiltros
from espelho.db import Database
from espelho.syncs.models import Sincronizacao


def plan(session: Session, stmt: Any) -> str:
    sql = stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {sql}")))


def full_sort(explained: str) -> bool:
    """A Sort node over the whole input (an Incremental Sort of index-ordered groups is fine)."""
    return any(
        "Sort" in line and "Incremental Sort" not in line and "Sort Key" not in line
        for line in explained.splitlines()
    )


def test_every_filter_and_ordering_uses_an_index(database: Database) -> None:
    """One seeded database (10,000 bulk-generated processos with passos and obrigações, analyzed, so the
    plans are realistic) for every check; failures are collected so one run lists them all."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("EXPLAIN is checked on PostgreSQL, the production database")
    with database.session() as pg:
        seed_postgresql(pg.connection(), 10_000)
        pg.execute(text("ANALYZE"))
        failures: list[str] = []

        def check(label: str, stmt: Any, index: str | None = None, *, sorted_by_index: bool = False) -> None:
            explained = plan(pg, stmt)
            ok = "Seq Scan" not in explained and (index is None or index in explained)
            if sorted_by_index:
                ok = ok and "Index" in explained and "Sort" not in explained
            if not ok:
                failures.append(f"{label} (expected {index or 'an index'}):\n{explained}")

        # The check itself notices a column without an index.
        assert "Seq Scan" in plan(pg, select(Processo.id).where(Processo.departamento == "Fiscal"))
        assert full_sort(plan(pg, select(Processo.id).order_by(Processo.criador).limit(50)))

        for filtros, index in [
            (ProcessoFiltros(competencia="05/2026"), "ix_processos_competencia"),
            (ProcessoFiltros(status="C"), "ix_processos_status"),
            (ProcessoFiltros(empresa="7"), "ix_processos_empresa_id"),
            (ProcessoFiltros(empresa="00.000.000/0001-23"), "ix_processos_empresa_id"),
            (ProcessoFiltros(regime="Lucro Real"), "ix_processos_regime_tributario"),
            (ProcessoFiltros(q="empresa 77 padaria"), "ix_processos_nome_trgm"),
            (ProcessoFiltros(q="6802"), "ix_processos_titulo_trgm"),
        ]:
            conditions = queries.processos_conditions(pg, filtros)
            check(
                f"processos {filtros}", select(func.count()).select_from(Processo).where(*conditions), index
            )
            for ordering in ("-id", "-data_inicio"):
                order = queries.parse_ordering(ordering, queries.PROCESSO_ORDERING, "-id")
                check(
                    f"processos {filtros} page by {ordering}",
                    select(Processo.id).where(*conditions).order_by(*order).limit(50),
                )

        for field in sorted(queries.PROCESSO_ORDERING):
            for ordering in (field, f"-{field}"):
                order = queries.parse_ordering(ordering, queries.PROCESSO_ORDERING, "-id")
                check(
                    f"processos ordering={ordering}",
                    select(Processo.id).order_by(*order).limit(50),
                    sorted_by_index=True,
                )

        check(
            "passos of a processo",
            select(Passo.id).where(Passo.processo_id == 3).order_by(Passo.ordem),
            "ix_passos_processo_id_ordem",
        )
        check(
            "desdobramentos of a processo",
            select(Desdobramento.id).where(Desdobramento.processo_id == 3).order_by(Desdobramento.ordem),
            "ix_desdobramentos_processo_id",
        )
        check(
            "empresas regime",
            select(Empresa.id).where(Empresa.regime_tributario == "Lucro Real"),
            "ix_empresas_regime_tributario",
        )
        check("empresas ativa", select(Empresa.id).where(Empresa.ativa.is_(False)), "ix_empresas_ativa")
        check("empresas by nome", select(Empresa.id).order_by(Empresa.nome).limit(50), "ix_empresas_nome_id")
        for q in ("boa massa", "12345678"):
            check(f"empresas q={q}", select(Empresa.id).where(queries.empresa_q_condition(q)))
        check(
            "obrigacoes status",
            select(Obrigacao.id).where(Obrigacao.status == "Pendente"),
            "ix_obrigacoes_status",
        )
        check("obrigacoes tipo", select(Obrigacao.id).where(Obrigacao.tipo == "DAS"), "ix_obrigacoes_tipo")
        check(
            "obrigacoes empresa",
            select(Obrigacao.id).where(Obrigacao.empresa_id == 7),
            "ix_obrigacoes_empresa_id",
        )
        check(
            "obrigacoes competencia",
            select(Obrigacao.id).where(Obrigacao.competencia == "05/2026"),
            "ix_obrigacoes_competencia",
        )
        check(
            "obrigacoes de/ate",
            select(Obrigacao.id).where(
                Obrigacao.data_vencimento.between(date(2026, 5, 1), date(2026, 5, 31))
            ),
            "ix_obrigacoes_data_vencimento",
        )
        check(
            "obrigacoes by vencimento",
            select(Obrigacao.id).order_by(Obrigacao.data_vencimento).limit(50),
            "ix_obrigacoes_data_vencimento",
        )
        check(
            "live sync runs (metrics cache)",
            select(Sincronizacao.id).where(
                Sincronizacao.origem == "ACESSORIAS", Sincronizacao.concluida_em.is_(None)
            ),
            "ix_sincronizacoes_origem_",  # the table is empty here: either origem index will do
        )
        check(
            "sync history",
            select(Sincronizacao.id).order_by(Sincronizacao.iniciada_em.desc()).limit(50),
            "ix_sincronizacoes_iniciada_em",
        )
        check(
            "metricas_cache lookup",
            select(MetricaCache.valor).where(
                MetricaCache.competencia == "05/2026",
                MetricaCache.regime_tributario.is_(None),
                MetricaCache.metrica_tipo == "resumo",
            ),
            "uq_metricas_cache",
        )
        # The dashboard aggregate of one competência goes through a competência index (once autovacuum has
        # set the visibility map, the covering ix_processos_competencia_metricas serves it alone).
        check(
            "dashboard aggregate",
            select(func.count(), func.avg(Processo.porcentagem_conclusao)).where(
                *metrics.scope("05/2026", None)
            ),
            "ix_processos_competencia",
        )
        assert not failures, "\n\n".join(failures)
