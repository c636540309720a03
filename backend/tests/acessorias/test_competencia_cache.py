from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from espelho.acessorias.cache import mark_competencias_changed
from espelho.acessorias.competencia import competencia_entrega, competencia_processo
from espelho.acessorias.models import MetricaCache
from espelho.clock import now_utc
from espelho.db import Database


@pytest.mark.parametrize(
    ("titulo", "inicio", "expected"),
    [
        ("DAS - 05/2026", "01/06/2026", "05/2026"),  # the title wins over the start date
        ("Folha 5/2026", "", "05/2026"),
        ("Fechamento 12-2025", "03/01/2026", "12/2025"),
        ("Simples Nacional — Mensal", "01/06/2026", "06/2026"),  # no MM/YYYY in the title
        ("Conferência 01/05/2026", "03/07/2026", "07/2026"),  # a full date is not a competência
        ("Relatório 13/2026", "02/02/2025", "02/2025"),  # month 13 is not a month
        ("", "2026-04-10", "04/2026"),
        ("Sem data", "0000-00-00", None),
        (None, "garbage", None),
    ],
)
def test_competencia_processo(titulo: str | None, inicio: str, expected: str | None) -> None:
    assert competencia_processo(titulo, inicio) == expected


def test_competencia_falls_back_to_nome_before_inicio() -> None:
    assert competencia_processo("Mensal", "01/06/2026", nome="Mensal 04/2026") == "04/2026"


def test_competencia_entrega() -> None:
    assert competencia_entrega("2024-12-01") == "12/2024"
    assert competencia_entrega(date(2026, 1, 1)) == "01/2026"
    assert competencia_entrega("0000-00-00") is None
    assert competencia_entrega(None) is None


def test_mark_competencias_changed_deletes_only_touched_and_global(database: Database) -> None:
    rows = [
        ("05/2026", "Simples"),
        ("05/2026", None),
        ("06/2026", None),
        (None, None),
        ("07/2026", "Lucro Real"),
    ]
    with database.session() as session:
        for competencia, regime in rows:
            session.add(
                MetricaCache(
                    competencia=competencia,
                    regime_tributario=regime,
                    metrica_tipo="resumo",
                    valor={"n": 1},
                    calculada_em=now_utc(),
                )
            )
    with database.session() as session:
        mark_competencias_changed(session, iter(["05/2026"]))
    with database.session() as session:
        left = sorted(session.execute(select(MetricaCache.competencia)).scalars())
    assert left == ["06/2026", "07/2026"]

    with database.session() as session:
        mark_competencias_changed(session, [])  # nothing touched: nothing dropped
        left = sorted(session.execute(select(MetricaCache.competencia)).scalars())
    assert left == ["06/2026", "07/2026"]
