"""Dashboards equal a reference computed here from the raw rows; the cache is never stale after a sync."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from statistics import mean
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from espelho.acessorias import metrics
from espelho.acessorias.cache import mark_competencias_changed
from espelho.acessorias.models import MetricaCache, Processo
from espelho.clock import now_utc
from espelho.db import Database
from espelho.syncs.models import Sincronizacao
from tests.acessorias_api.conftest import advance_simulator
from tests.helpers import RunningSimulator

API = "/api/v1"


def processos(database: Database) -> list[Processo]:
    with database.session() as session:
        return [
            p
            for p in session.scalars(select(Processo))
            if p.removido_em is None and (p.status or "") != "Excluído"
        ]


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _avg(values: list[float]) -> float | None:
    return round(mean(values), 2) if values else None


def reference(rows: list[Processo]) -> dict[str, Any]:
    """The documented definitions, computed in Python."""
    done = [p for p in rows if p.status == "Concluído"]
    return {
        "total_processos": len(rows),
        "concluidos": len(done),
        "abertos": sum(1 for p in rows if p.status not in ("Concluído", "Desistência")),
        "em_andamento": sum(1 for p in rows if p.status == "Em andamento"),
        "taxa_conclusao": round(len(done) * 100 / len(rows), 2) if rows else 0.0,
        "media_conclusao": _avg(
            [float(p.porcentagem_conclusao) for p in rows if p.porcentagem_conclusao is not None]
        ),
        "media_dias": _avg([p.dias_corridos for p in done if p.dias_corridos is not None]),
        "total_empresas": len({p.empresa_id for p in rows if p.empresa_id is not None}),
    }


def assert_matches(answer: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        if value is None or isinstance(value, int):
            assert answer[key] == value, key
        else:
            assert answer[key] == pytest.approx(value, abs=0.011), key


def by_competencia(rows: list[Processo], competencia: str) -> list[Processo]:
    return [p for p in rows if p.competencia == competencia]


def previous(competencia: str) -> str:
    month, year = int(competencia[:2]), int(competencia[3:])
    return f"12/{year - 1}" if month == 1 else f"{month - 1:02d}/{year}"


def busiest(rows: list[Processo]) -> str:
    counts: dict[str, int] = {}
    for p in rows:
        if p.competencia:
            counts[p.competencia] = counts.get(p.competencia, 0) + 1
    return max(counts, key=lambda c: (counts[c], c))


def test_dashboard_metrics_equal_the_reference(
    api: Any, database: Database, sync: Callable[..., Any]
) -> None:
    sync("FULL")
    rows = processos(database)
    competencia = busiest(rows)
    month, year = competencia.split("/")

    answer = api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json()
    current, before = (
        reference(by_competencia(rows, competencia)),
        reference(by_competencia(rows, previous(competencia))),
    )
    assert answer["competencia"] == competencia and answer["competencia_anterior"] == previous(competencia)
    assert isinstance(answer["total_processos"], int) and answer["total_processos"] > 0
    assert_matches(answer, current)
    for key in metrics.RESUMO_FIELDS:
        change = answer["variacao"][key]
        assert change["anterior"] == (
            pytest.approx(before[key], abs=0.011) if before[key] is not None else None
        )
        if current[key] is not None and before[key] is not None:
            assert change["diferenca"] == pytest.approx(current[key] - before[key], abs=0.02)
            if before[key]:
                expected = (current[key] - before[key]) * 100 / before[key]
                assert change["percentual"] == pytest.approx(expected, abs=0.05)
    assert answer["calculada_em"]

    # The same figures for the other accepted forms, and from the cache on the second call.
    again = api.get(f"{API}/dashboard/metricas", params={"competencia": f"{year}-{month}"}).json()
    assert again == answer

    overall = api.get(f"{API}/dashboard/metricas").json()
    assert overall["competencia"] is None and overall["variacao"] is None
    assert_matches(overall, reference(rows))

    regime = next(p.regime_tributario for p in rows if p.regime_tributario and p.competencia == competencia)
    of_regime = api.get(
        f"{API}/dashboard/metricas", params={"competencia": competencia, "regime": regime}
    ).json()
    assert_matches(
        of_regime, reference([p for p in by_competencia(rows, competencia) if p.regime_tributario == regime])
    )


def test_dashboard_regimes_and_timeline_equal_the_reference(
    api: Any, database: Database, sync: Callable[..., Any]
) -> None:
    sync("FULL")
    rows = processos(database)
    competencia = busiest(rows)

    answer = api.get(f"{API}/dashboard/regimes", params={"competencia": competencia}).json()
    mine = by_competencia(rows, competencia)
    groups: dict[str, list[Processo]] = {}
    for p in mine:
        groups.setdefault(p.regime_tributario or "Indefinido", []).append(p)
    assert {i["regime"] for i in answer["items"]} == set(groups)
    for item in answer["items"]:
        expected = reference(groups[item["regime"]])
        assert item["total"] == expected["total_processos"]
        assert item["concluidos"] == expected["concluidos"]
        assert item["taxa_conclusao"] == pytest.approx(expected["taxa_conclusao"], abs=0.011)
        assert item["media_dias"] == (
            None if expected["media_dias"] is None else pytest.approx(expected["media_dias"], abs=0.011)
        )
    assert sum(i["total"] for i in answer["items"]) == answer["total_processos"] == len(mine)
    metricas = api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json()
    assert answer["total_processos"] == metricas["total_processos"]

    competencias = sorted({p.competencia for p in rows if p.competencia}, key=lambda c: (c[3:], c[:2]))
    timeline = api.get(f"{API}/dashboard/timeline").json()
    assert timeline["granularidade"] == "competencia"
    assert [i["competencia"] for i in timeline["items"]] == competencias
    for item in timeline["items"]:
        group = by_competencia(rows, item["competencia"])
        assert item["total"] == len(group)
        assert item["concluidos"] == sum(1 for p in group if p.status == "Concluído")

    de, ate = competencias[0], competencias[len(competencias) // 2]
    window = api.get(f"{API}/dashboard/timeline", params={"de": de, "ate": ate}).json()
    assert [i["competencia"] for i in window["items"]] == competencias[: len(competencias) // 2 + 1]

    daily = api.get(f"{API}/dashboard/timeline", params={"competencia": competencia}).json()
    assert daily["granularidade"] == "dia"
    started: dict[str, int] = {}
    ended: dict[str, int] = {}
    for p in mine:
        if p.data_inicio:
            started[p.data_inicio.isoformat()] = started.get(p.data_inicio.isoformat(), 0) + 1
        if p.status == "Concluído" and p.data_conclusao:
            ended[p.data_conclusao.isoformat()] = ended.get(p.data_conclusao.isoformat(), 0) + 1
    assert [i["data"] for i in daily["items"]] == sorted(set(started) | set(ended))
    for item in daily["items"]:
        assert item["total"] == started.get(item["data"], 0)
        assert item["concluidos"] == ended.get(item["data"], 0)


def test_a_sync_that_changes_processes_changes_the_metrics(
    api: Any, database: Database, simulator: RunningSimulator, sync: Callable[..., Any]
) -> None:
    sync("FULL")
    rows = processos(database)
    competencias = sorted({p.competencia for p in rows if p.competencia})
    before = {c: api.get(f"{API}/dashboard/metricas", params={"competencia": c}).json() for c in competencias}
    overall_before = api.get(f"{API}/dashboard/metricas").json()
    regimes_before = api.get(f"{API}/dashboard/regimes").json()

    run_started = now_utc()
    changed = advance_simulator(simulator, steps_completed=3, processes_created=2)
    result = sync("INCREMENTAL")
    assert result.novos == 2 and result.atualizados >= 1, result

    rows = processos(database)
    with database.session() as session:
        touched_proc_ids = set(changed["steps_completed"]) | set(changed["processes_created"])
        touched = {
            p.competencia
            for p in session.scalars(select(Processo).where(Processo.proc_id.in_(touched_proc_ids)))
        }
    for competencia in sorted({p.competencia for p in rows if p.competencia}):
        answer = api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json()
        assert_matches(answer, reference(by_competencia(rows, competencia)))
    overall = api.get(f"{API}/dashboard/metricas").json()
    assert overall["total_processos"] == overall_before["total_processos"] + 2
    assert_matches(overall, reference(rows))
    regimes = api.get(f"{API}/dashboard/regimes").json()
    assert regimes["total_processos"] == regimes_before["total_processos"] + 2

    # Only what the run touched was recomputed; the other competências kept their cached figures.
    with database.session() as session:
        computed = {
            m.competencia: m.calculada_em
            for m in session.scalars(select(MetricaCache).where(MetricaCache.metrica_tipo == metrics.RESUMO))
        }
    assert touched and all(computed[c] > run_started for c in touched)
    untouched = set(before) - touched
    assert untouched and all(computed[c] < run_started for c in untouched)
    assert computed[None] > run_started


def test_cache_serves_until_invalidated_and_distrusts_rows_computed_during_a_run(
    api: Any, database: Database, sync: Callable[..., Any]
) -> None:
    sync("FULL")
    rows = processos(database)
    competencia = busiest(rows)
    first = api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json()

    # Data changed behind the cache's back (no sync marking it): the cached answer is served.
    with database.session() as session:
        session.execute(
            update(Processo)
            .where(Processo.competencia == competencia, Processo.status == "Em andamento")
            .values(status="Concluído")
        )
    cached = api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json()
    assert cached == first

    # What the sync does when it touches the competência: the next call recomputes.
    with database.session() as session:
        mark_competencias_changed(session, [competencia])
    fresh = api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json()
    assert fresh["em_andamento"] == 0 and fresh["concluidos"] == first["concluidos"] + first["em_andamento"]
    assert ts(fresh["calculada_em"]) > ts(first["calculada_em"])
    assert_matches(fresh, reference(by_competencia(processos(database), competencia)))

    # A run that was in progress when the row was computed makes the row untrusted: recomputed.
    with database.session() as session:
        row = session.scalars(select(MetricaCache).where(MetricaCache.competencia == competencia)).first()
        assert row is not None
        computed = row.calculada_em
        session.add(
            Sincronizacao(
                origem="ACESSORIAS",
                tipo="INCREMENTAL",
                escopo="acessorias",
                status="CONCLUIDA",
                iniciada_em=computed - timedelta(seconds=5),
                concluida_em=computed + timedelta(microseconds=1),
                heartbeat_em=computed + timedelta(microseconds=1),
            )
        )
    recomputed = api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json()
    assert ts(recomputed["calculada_em"]) > ts(fresh["calculada_em"])
    # A run that ended before the row was computed does not: the new row is served from the cache.
    assert api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json() == recomputed

    # While a run is in progress, figures are computed for every call and not stored.
    with database.session() as session:
        session.execute(delete(MetricaCache))
        session.add(
            Sincronizacao(
                origem="ACESSORIAS",
                tipo="INCREMENTAL",
                escopo="acessorias",
                status="INICIADA",
                iniciada_em=now_utc(),
                heartbeat_em=now_utc(),
            )
        )
    during = api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json()
    assert_matches(during, reference(by_competencia(processos(database), competencia)))
    with database.session() as session:
        assert session.scalars(select(MetricaCache)).first() is None


def test_recompute_all_rebuilds_every_competencia(
    api: Any, database: Database, sync: Callable[..., Any]
) -> None:
    sync("FULL")
    rows = processos(database)
    written = metrics.recompute_all(database)
    competencias = {p.competencia for p in rows if p.competencia}
    assert written == 2 * (len(competencias) + 1) + 1
    with database.session() as session:
        cached = {(m.competencia, m.metrica_tipo): m.valor for m in session.scalars(select(MetricaCache))}
    for competencia in competencias:
        assert_matches(cached[(competencia, metrics.RESUMO)], reference(by_competencia(rows, competencia)))
    stamp = now_utc()
    answer = api.get(f"{API}/dashboard/metricas", params={"competencia": sorted(competencias)[0]}).json()
    assert ts(answer["calculada_em"]) < stamp  # served from the rebuilt cache


def test_made_up_regimes_and_competencias_are_served_but_never_stored(
    api: Any, database: Database, sync: Callable[..., Any]
) -> None:
    """A USER asking for regimes and competências no processo has must not grow metricas_cache."""
    from sqlalchemy import func

    from tests.helpers import client_as

    sync("FULL")
    rows = processos(database)
    competencia = busiest(rows)
    regime = next(p.regime_tributario for p in rows if p.regime_tributario and p.competencia == competencia)
    user = client_as(api, "USER")

    def cache_rows() -> int:
        with database.session() as session:
            return session.scalar(select(func.count()).select_from(MetricaCache)) or 0

    before = cache_rows()
    real = user.get(f"{API}/dashboard/metricas", params={"competencia": competencia, "regime": regime})
    assert real.status_code == 200 and real.json()["total_processos"] > 0
    assert cache_rows() > before  # values the mirror holds are cached as before
    user.get(f"{API}/dashboard/metricas", params={"regime": "indefinido"})
    before = cache_rows()

    asks = [("metricas", {"regime": f"Regime inventado {i}"}) for i in range(5)]
    asks += [("metricas", {"competencia": competencia, "regime": f"Outro {i}"}) for i in range(3)]
    asks += [("metricas", {"regime": spelling}) for spelling in ("INDEFINIDO", "in-de_fi nido", "Indefinido")]
    asks += [("metricas", {"competencia": f"{m:02d}/1901"}) for m in range(1, 4)]
    asks += [("regimes", {"competencia": "01/1902"}), ("timeline", {"competencia": "02/1903"}),
             ("timeline", {"de": "01/1904", "ate": "12/2999"}),
             ("timeline", {"de": competencia, "ate": "12/2998"})]
    for name, params in asks:
        response = user.get(f"{API}/dashboard/{name}", params=params)
        assert response.status_code == 200, (name, params, response.text)
    assert cache_rows() == before
    assert user.get(f"{API}/dashboard/metricas", params={"regime": "Regime inventado 0"}).json()[
        "total_processos"] == 0
