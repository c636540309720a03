"""Workload per responsável, bottleneck passos and the same-day comparison, against the raw rows."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from espelho.acessorias.models import Obrigacao, Passo, Processo
from espelho.clock import today_sao_paulo
from espelho.db import Database

API = "/api/v1"


def _busiest(api: TestClient) -> str:
    items = api.get(f"{API}/dashboard/timeline").json()["items"]
    return max(items, key=lambda c: (c["total"], c["competencia"]))["competencia"]


def _active(p: Processo) -> bool:
    return p.removido_em is None and (p.status or "") != "Excluído"


def _dispensada(o: Obrigacao) -> bool:
    return o.data_entrega is None and (o.status or "").lower().startswith("dispensad")


def _pendente(o: Obrigacao) -> bool:
    return o.data_entrega is None and not _dispensada(o)


def _nome(value: str | None) -> str:
    return (value or "").strip() or "Sem responsável"


def test_responsaveis_add_up_to_the_competencia_totals(
    api: TestClient, database: Database, mirrored: dict[str, Any]
) -> None:
    competencia = _busiest(api)
    body = api.get(f"{API}/dashboard/responsaveis", params={"competencia": competencia}).json()
    hoje = today_sao_paulo()
    with database.session() as session:
        processos = {p.id: p for p in session.scalars(select(Processo)) if _active(p)}
        passos = [
            s
            for s in session.scalars(select(Passo))
            if s.processo_id in processos and processos[s.processo_id].competencia == competencia
        ]
        todas = list(session.scalars(select(Obrigacao)))
    obrigacoes = [o for o in todas if o.competencia == competencia]
    expected = {
        "passos_pendentes": sum(1 for s in passos if s.status == "Pendente"),
        "passos_concluidos": sum(1 for s in passos if s.concluido and s.status),
        "obrigacoes_pendentes": sum(1 for o in obrigacoes if _pendente(o)),
        # Overdue of any competência: late work from an earlier month is still someone's.
        "obrigacoes_atrasadas": sum(
            1 for o in todas if _pendente(o) and o.data_vencimento and o.data_vencimento < hoje
        ),
        "obrigacoes_entregues": sum(1 for o in obrigacoes if o.data_entrega is not None),
    }
    expected["concluidos"] = expected["passos_concluidos"] + expected["obrigacoes_entregues"]
    assert (
        body["totais"] == expected
        and expected["passos_pendentes"] > 0
        and expected["obrigacoes_pendentes"] > 0
    )
    for campo, total in expected.items():
        assert sum(item[campo] for item in body["items"]) == total, campo
    # Per person, as the upstream names them.
    por_pessoa = Counter(_nome(s.responsavel) for s in passos if s.status == "Pendente")
    assert {
        i["responsavel"]: i["passos_pendentes"] for i in body["items"] if i["passos_pendentes"]
    } == por_pessoa
    # Obligations match the obligations list of the same competência.
    listed = api.get(f"{API}/obrigacoes", params={"competencia": competencia, "page_size": 1}).json()["total"]
    dispensadas = sum(1 for o in obrigacoes if _dispensada(o))
    assert expected["obrigacoes_pendentes"] + expected["obrigacoes_entregues"] + dispensadas == listed
    resumo = api.get(f"{API}/resumo").json()
    assert body["totais"]["obrigacoes_atrasadas"] == resumo["obrigacoes"]["atrasadas"]


def test_gargalos_add_up_to_the_open_processes(
    api: TestClient, database: Database, mirrored: dict[str, Any]
) -> None:
    competencia = _busiest(api)
    body = api.get(f"{API}/dashboard/gargalos", params={"competencia": competencia}).json()
    metricas = api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json()
    assert body["em_andamento"] == metricas["abertos"] > 0
    assert sum(i["processos"] for i in body["items"]) + body["sem_passo_pendente"] == body["em_andamento"]
    with database.session() as session:
        abertos = [
            p
            for p in session.scalars(select(Processo))
            if _active(p) and p.competencia == competencia and p.status not in ("Concluído", "Desistência")
        ]
        first: dict[int, Passo] = {}
        for s in session.scalars(
            select(Passo).where(Passo.status == "Pendente").order_by(Passo.ordem, Passo.id)
        ):
            first.setdefault(s.processo_id, s)
    expected = Counter((p.nome, first[p.id].nome) for p in abertos if p.id in first)
    assert {(i["modelo"], i["passo"]): i["processos"] for i in body["items"]} == expected
    assert body["sem_passo_pendente"] == sum(1 for p in abertos if p.id not in first)
    assert all(0 <= i["mediana_dias"] <= i["max_dias"] for i in body["items"])
    # Most stuck first.
    counts = [i["processos"] for i in body["items"]]
    assert counts == sorted(counts, reverse=True)


def test_bad_competencia_is_a_422(api: TestClient) -> None:
    for path in ("responsaveis", "gargalos"):
        response = api.get(f"{API}/dashboard/{path}", params={"competencia": "13/2026"})
        assert response.status_code == 422 and response.json()["error"] == "invalid_input"


def test_metricas_compare_with_the_previous_competencia_on_the_same_day(
    api: TestClient, database: Database, mirrored: dict[str, Any]
) -> None:
    hoje = today_sao_paulo()
    # The competência in course is last month: its cycle began on the 1st of this month.
    mes = hoje.replace(day=1) - timedelta(days=1)
    competencia = f"{mes.month:02d}/{mes.year}"
    body = api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json()
    mesmo_dia = body["mesmo_dia_anterior"]
    dia = (hoje - hoje.replace(day=1)).days
    anterior_inicio = mes.replace(day=1)
    corte = anterior_inicio + timedelta(days=dia)
    assert mesmo_dia["competencia"] == body["competencia_anterior"]
    assert mesmo_dia["dia_do_ciclo"] == dia and mesmo_dia["data_corte"] == corte.isoformat()
    with database.session() as session:
        anteriores = [
            p
            for p in session.scalars(select(Processo))
            if _active(p) and p.competencia == mesmo_dia["competencia"]
        ]
    concluidos = sum(
        1 for p in anteriores if p.status == "Concluído" and p.data_conclusao and p.data_conclusao <= corte
    )
    assert mesmo_dia["total"] == len(anteriores) and mesmo_dia["concluidos"] == concluidos
    assert mesmo_dia["taxa_conclusao"] == round(concluidos * 100 / len(anteriores), 2)
    # Cached like the other figures: the second answer is the same.
    assert api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json() == body
    # A competência whose cycle has not begun has no comparison.
    futura = date(hoje.year + 1, hoje.month, 1)
    later = api.get(f"{API}/dashboard/metricas", params={"competencia": f"{futura.month:02d}/{futura.year}"})
    assert later.json()["mesmo_dia_anterior"] is None
