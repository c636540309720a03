"""Every filter and ordering of the read API can be served by an index (EXPLAIN on PostgreSQL).

Sequential scans are disabled for the check, so the planner picks an index whenever one can serve the
statement; a filter without a usable index still shows a Seq Scan on the table.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from bench.bench_dashboard import seed_postgresql
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from espelho.acessorias import metrics, queries
from espelho.acessorias.models import (
    Alteracao,
    Desdobramento,
    Empresa,
    MetricaCache,
    Obrigacao,
    Passo,
    Processo,
)
from espelho.acessorias.queries import ProcessoFiltros
from espelho.db import Database
from espelho.syncs.models import Sincronizacao

# Columns each step done upstream changes: no index (a PostgreSQL UPDATE writes every index of the row), so
# an ordering by one of them sorts the filtered rows (migration 20261207_26d).
VOLATEIS = ("status", "porcentagem_conclusao", "dias_corridos", "data_conclusao")


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
        pg.commit()
        # As autovacuum leaves a settled database: statistics, and the visibility map index-only scans read.
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
            autocommit.execute(text("VACUUM ANALYZE"))
        failures: list[str] = []
        plans: list[str] = []

        def check(label: str, stmt: Any, index: str | tuple[str, ...] | None = None, *,
                  sorted_by_index: bool = False) -> None:
            explained = plan(pg, stmt)
            plans.append(explained)
            wanted = (index,) if isinstance(index, str) else index
            ok = "Seq Scan" not in explained and (wanted is None or any(i in explained for i in wanted))
            if sorted_by_index:
                ok = ok and "Index" in explained and "Sort" not in explained
            if not ok:
                failures.append(f"{label} (expected {index or 'an index'}):\n{explained}")

        # The check itself notices a column without an index.
        assert "Seq Scan" in plan(pg, select(Processo.id).where(Processo.departamento == "Fiscal"))
        assert full_sort(plan(pg, select(Processo.id).order_by(Processo.criador).limit(50)))

        competencia_index = "ix_processos_competencia_id"
        for filtros, index in [
            (ProcessoFiltros(competencia="05/2026"), competencia_index),
            (ProcessoFiltros(competencia="05/2026", status="C"), competencia_index),
            (ProcessoFiltros(empresa="7"), "ix_processos_empresa_id_id"),
            (ProcessoFiltros(empresa="00.000.000/0001-23"), "ix_processos_empresa_id_id"),
            (ProcessoFiltros(regime="Lucro Real"), "ix_processos_regime_tributario"),
            (ProcessoFiltros(q="empresa 77 padaria"), "ix_processos_nome_busca"),
            (ProcessoFiltros(q="6802"), "ix_processos_titulo_busca"),
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

        # The sync's own reads of processos: a list page's stored rows, the newest change mirrored.
        check("stored processos of a list page",
              select(Processo.id).where(Processo.proc_id.in_([6001, 6002, 6003])), "uq_processos_proc_id")
        check("newest DtLastDH", select(func.max(Processo.dt_last_dh)), "ix_processos_dt_last_dh_id")
        for field in sorted(queries.PROCESSO_ORDERING):
            for ordering in (field, f"-{field}"):
                order = queries.parse_ordering(ordering, queries.PROCESSO_ORDERING, "-id")
                if field in VOLATEIS:  # a page of a competência sorts its rows, found by its index
                    one_competencia = select(Processo.id).where(Processo.competencia == "05/2026")
                    check(f"processos competencia=05/2026 ordering={ordering}",
                          one_competencia.order_by(*order).limit(50), competencia_index)
                    continue
                check(
                    f"processos ordering={ordering}",
                    select(Processo.id).order_by(*order).limit(50),
                    sorted_by_index=True,
                )

        check(
            "passos of a processo",
            select(Passo.id).where(Passo.processo_id == 3).order_by(Passo.ordem),
            "uq_passos_processo_id_caminho",
        )
        check(
            "desdobramentos of a processo",
            select(Desdobramento.id).where(Desdobramento.processo_id == 3).order_by(Desdobramento.ordem),
            "ix_desdobramentos_processo_id_ordem",
        )
        check(
            "empresas regime",
            select(Empresa.id).where(Empresa.regime_tributario == "Lucro Real"),
            "ix_empresas_regime_tributario",
        )
        check("empresas ativa", select(Empresa.id).where(Empresa.ativa.is_(False)), "ix_empresas_ativa")
        order = queries.parse_ordering("nome", queries.EMPRESA_ORDERING, "nome")
        check("empresas by nome", select(Empresa.id).order_by(*order).limit(50), "ix_empresas_nome_ptbr",
              sorted_by_index=True)
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
        check("the change feed filtered by tipo, newest first",
              select(Alteracao.id).where(Alteracao.tipo == "passo_concluido")
              .order_by(Alteracao.visto_em.desc(), Alteracao.id.desc()).limit(50), "ix_alteracoes_visto_em")
        # The dashboard aggregate of one competência reads its rows through the competência's index.
        check(
            "dashboard aggregate",
            select(func.count(), func.avg(Processo.porcentagem_conclusao)).where(
                *metrics.scope("05/2026", None)
            ),
            competencia_index,
        )
        assert not failures, "\n\n".join(failures)
        # Every index on processos serves one of the statements above; one that served none would only
        # cost space and write time (migration 20261207_26 dropped four such), and none indexes a column
        # the work changes (20261207_26d dropped five: each UPDATE wrote them all).
        indexes = dict(pg.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'processos'")).all())
        unused = {i for i in indexes if not any(re.search(rf"\b{i}\b", p) for p in plans)}
        assert not unused, f"indexes of processos no statement uses: {sorted(unused)}"
        assert len(indexes) == 11
        assert not {i for i, d in indexes.items() if any(re.search(rf"\b{c}\b", d) for c in VOLATEIS)}
