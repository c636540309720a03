"""One answer to each question: every surface asked the same questions about one office, and every answer
must agree — the resumo, the lists and their filters, the CSV export, the dashboard, Responsáveis,
Gargalos, the competência report (XLSX), the WhatsApp commands (through the webhook) and the alerts (the
CLI's dry run). The world holds every delivery label of the upstream reference (§6), a stale "Pendente"
past its deadline, and every process status, on SQLite and PostgreSQL, on days at the month's edges.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import Result

from espelho.acessorias.competencia import Competencia
from espelho.acessorias.models import Empresa, Obrigacao, Passo, Processo, UsuarioAcessorias
from espelho.acessorias.regras import competencia_atual
from espelho.clock import now_utc, today_sao_paulo
from espelho.db import Database
from tests.conftest import on_month_days
from tests.helpers import create_user_with_token
from tests.whatsapp.conftest import Graph, graph, link, say, settings  # noqa: F401 - WhatsApp on the fake Graph

API = "/api/v1"
PHONE = "5511987654321"

# (label, days to the deadline, delivered?, responsável, in an earlier competência?) → expected situação
OBRIGACOES: list[tuple[str, int | None, bool, str | None, bool, str]] = [
    ("Pendente", -5, False, "Ana", True, "atrasada"),  # stale: the label never moved past the deadline
    ("Atrasada!", -2, False, "Bruno", False, "atrasada"),
    ("Atraso justificado", -10, False, "Bruno", True, "atrasada"),
    ("Prazo técnico", -1, False, None, False, "atrasada"),
    ("Pendente", 0, False, "Ana", False, "a_vencer"),  # due today: not late yet
    ("Pendente", 7, False, None, False, "a_vencer"),  # the window's last day
    ("Pendente", 8, False, "Ana", False, "a_vencer"),  # beyond the window
    ("Pendente", None, False, "Bruno", False, "a_vencer"),  # no deadline
    ("Entregue", -3, True, "Ana", False, "entregue"),
    ("Ent. antecipada", 5, True, "Ana", False, "entregue"),
    ("Ent. PzTéc", -4, True, "Bruno", False, "entregue"),
    ("Ent. atrasada", -20, True, "Bruno", True, "entregue"),
    ("Ent. justificada", -6, True, None, False, "entregue"),
    ("Dispensada", -3, False, "Ana", False, "dispensada"),  # past its deadline, yet never late
    ("DISPENSADA", 2, False, "Bruno", False, "dispensada"),  # due soon, yet never due
]
# (status, in the current competência?, removed?) → open?
PROCESSOS: list[tuple[str | None, bool, bool, bool]] = [
    ("Em andamento", True, False, True),
    ("Suspenso", True, False, True),
    ("Agendado", True, False, True),
    ("Aguardando aprovação", True, False, True),
    ("Em andamento", False, False, True),  # an earlier competência's, still open
    ("Concluído", True, False, False),
    ("CONCLUIDO", True, False, False),
    ("Desistência", True, False, False),
    ("desistencia", True, False, False),
    ("Excluído", True, False, False),
    ("Em andamento", True, True, False),  # removed by a full sweep: in no list
]


def _world(database: Database, hoje: date) -> tuple[Competencia, int]:
    """The office above; returns the current competência and the ALFA empresa's id."""
    atual = Competencia.of(hoje.month, hoje.year).anterior()
    anterior = atual.plus_months(-2)
    now = now_utc()
    with database.session() as session:
        alfa = Empresa(codigo=1, nome="ALFA COMERCIO LTDA", cnpj="11222333000181", ativa=True, completa=True,
                       sincronizada_em=now)
        beta = Empresa(codigo=2, nome="BETA SERVICOS LTDA", cnpj="22333444000190", ativa=True, completa=True,
                       sincronizada_em=now)
        session.add_all([alfa, beta])
        session.flush()
        for n, (label, dias, entregue, responsavel, antiga, _) in enumerate(OBRIGACOES):
            prazo = hoje + timedelta(days=dias) if dias is not None else None
            session.add(Obrigacao(
                chave=f"one:{n}", empresa_id=(alfa if n % 2 == 0 else beta).id, tipo=f"OBRIGACAO {n}",
                status=label, competencia=anterior if antiga else atual, data_vencimento=prazo,
                data_atraso=prazo + timedelta(days=5) if prazo else None,
                data_entrega=(prazo or hoje) - timedelta(days=1) if entregue else None,
                responsavel=responsavel, sincronizada_em=now))
        for n, (status, corrente, removido, _) in enumerate(PROCESSOS):
            processo = Processo(
                proc_id=100 + n, empresa_id=(alfa if n % 2 == 0 else beta).id, nome="Simples Nacional",
                titulo=f"Simples Nacional {n}", competencia=atual if corrente else anterior, status=status,
                porcentagem_conclusao=50, total_passos=2, passos_concluidos=1, data_inicio=hoje,
                removido_em=now if removido else None, sincronizado_em=now)
            session.add(processo)
            session.flush()
            for ordem, (nome, passo_status) in enumerate((("Apurar", "OK"), ("Transmitir", "Pendente"))):
                session.add(Passo(processo_id=processo.id, chave=f"{processo.proc_id}:{ordem}",
                                  caminho=str(ordem), ordem=ordem, nome=nome, status=passo_status,
                                  concluido=passo_status == "OK", responsavel="Ana"))
        return atual, alfa.id


def _expected(situacao: str) -> int:
    return sum(1 for *_, s in OBRIGACOES if s == situacao)


def _total(api: TestClient, path: str, **params: Any) -> int:
    answer = api.get(f"{API}/{path}", params=params)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["total"])


def _csv_rows(api: TestClient, path: str, **params: Any) -> list[dict[str, str]]:
    answer = api.get(f"{API}/{path}", params={**params, "formato": "csv"})
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))


def _sheet(book: Any, name: str) -> list[tuple[Any, ...]]:
    return [row for row in book[name].iter_rows(values_only=True) if any(v is not None for v in row)]


def _table(rows: list[tuple[Any, ...]], first_header: str) -> list[dict[str, Any]]:
    """The table of a sheet whose header row starts with `first_header`, as dicts, up to the next table."""
    start = next(i for i, row in enumerate(rows) if row[0] == first_header)
    header = rows[start]
    table = []
    for row in rows[start + 1:]:
        if row[0] in ("Hoje", "Indicador", "Regime tributário"):
            break
        table.append(dict(zip(header, row, strict=False)))
    return table


def _number(text: str, pattern: str) -> int:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in {text!r}"
    return int(found.group(1))


@on_month_days
def test_every_surface_gives_the_same_number(
    frozen_day: date, api: TestClient, database: Database, graph: Graph,  # noqa: F811
    cli: Callable[..., Result],
) -> None:
    hoje = today_sao_paulo()
    atual, alfa_id = _world(database, hoje)
    atrasadas, a_vencer = _expected("atrasada"), _expected("a_vencer")
    vencem_7 = sum(1 for _, dias, entregue, *_rest, s in OBRIGACOES if s == "a_vencer" and dias is not None
                   and 0 <= dias <= 7)
    abertos = sum(1 for *_, aberto in PROCESSOS if aberto)
    abertos_atual = sum(1 for _, corrente, _r, aberto in PROCESSOS if aberto and corrente)

    # The rules and the resumo.
    regras = api.get(f"{API}/regras").json()
    resumo = api.get(f"{API}/resumo").json()
    assert regras["competencia_atual"] == resumo["competencia"] == atual
    assert resumo["data"] == regras["data"] == hoje.isoformat()
    assert resumo["obrigacoes"] == {"atrasadas": atrasadas, "vencem_7_dias": vencem_7,
                                    "pendentes": atrasadas + a_vencer, "dispensadas": _expected("dispensada"),
                                    "entregues": _expected("entregue")}
    assert resumo["processos_abertos"] == abertos

    # The lists, their filters and their export: the stale Pendente is atrasada, a Dispensada nothing else.
    for situacao in ("entregue", "dispensada", "atrasada", "a_vencer"):
        assert _total(api, "obrigacoes", situacao=situacao) == _expected(situacao)
    assert _total(api, "obrigacoes", situacao="pendente") == atrasadas + a_vencer
    fim = (hoje + timedelta(days=regras["vencem_dias"])).isoformat()
    assert _total(api, "obrigacoes", situacao="pendente", de=hoje.isoformat(), ate=fim) == vencem_7
    listed = api.get(f"{API}/obrigacoes", params={"page_size": 100}).json()["items"]
    assert {o["tipo"]: o["situacao"] for o in listed} == {
        f"OBRIGACAO {n}": expected for n, (*_, expected) in enumerate(OBRIGACOES)}
    exported = Counter(row["Situação"] for row in _csv_rows(api, "obrigacoes"))
    rotulos = {r["valor"]: r["rotulo"] for r in regras["obrigacao_situacoes"]}
    assert exported == {rotulos[s]: _expected(s) for s in ("entregue", "dispensada", "atrasada", "a_vencer")}
    assert len(_csv_rows(api, "obrigacoes", situacao="atrasada")) == atrasadas

    assert _total(api, "processos", aberto="true") == abertos
    # The removed one is in neither.
    assert _total(api, "processos", aberto="false") == len(PROCESSOS) - 1 - abertos
    assert _total(api, "processos", aberto="true", competencia=atual) == abertos_atual
    assert len(_csv_rows(api, "processos", aberto="true")) == abertos

    # The dashboard, Responsáveis and Gargalos.
    assert api.get(f"{API}/dashboard/metricas").json()["abertos"] == abertos
    metricas = api.get(f"{API}/dashboard/metricas", params={"competencia": atual}).json()
    assert metricas["abertos"] == abertos_atual
    carga = api.get(f"{API}/dashboard/responsaveis", params={"competencia": atual}).json()
    assert carga["totais"]["obrigacoes_atrasadas"] == atrasadas
    assert sum(i["obrigacoes_atrasadas"] for i in carga["items"]) == atrasadas
    por_pessoa = {i["responsavel"]: i for i in carga["items"]}
    for pessoa in ("Ana", "Bruno"):  # overdue of any competência, pending of this one, no dispensada
        assert por_pessoa[pessoa]["obrigacoes_atrasadas"] == sum(
            1 for _, _d, _e, r, _a, s in OBRIGACOES if r == pessoa and s == "atrasada")
        assert por_pessoa[pessoa]["obrigacoes_pendentes"] == sum(
            1 for _, _d, _e, r, antiga, s in OBRIGACOES
            if r == pessoa and not antiga and s in ("atrasada", "a_vencer"))
    gargalos = api.get(f"{API}/dashboard/gargalos", params={"competencia": atual}).json()
    assert gargalos["em_andamento"] == abertos_atual

    # The competência report: its Resumo, Obrigações, Processos em aberto and Responsáveis agree.
    report = api.get(f"{API}/relatorios/competencia/{atual.replace('/', '-')}")
    assert report.status_code == 200, report.text
    book = openpyxl.load_workbook(io.BytesIO(report.content), read_only=True)
    hoje_sheet = {row["Hoje"]: row["Quantidade"] for row in _table(_sheet(book, "Resumo"), "Hoje")}
    assert hoje_sheet["Obrigações atrasadas"] == atrasadas
    assert hoje_sheet[f"Obrigações que vencem em até {regras['vencem_dias']} dias"] == vencem_7
    obrigacoes_sheet = Counter(row["Situação"] for row in _table(_sheet(book, "Obrigações"), "Prazo"))
    assert obrigacoes_sheet == {rotulos["atrasada"]: atrasadas, rotulos["a_vencer"]: vencem_7}
    assert len(_table(_sheet(book, "Processos em aberto"), "Nº")) == abertos_atual
    responsaveis_sheet = _table(_sheet(book, "Responsáveis"), "Responsável")
    assert sum(row["Obrigações atrasadas"] for row in responsaveis_sheet) == atrasadas

    # WhatsApp, through the webhook: resumo opens on the same competência, and the counts match.
    link(api, PHONE)

    def reply(text: str, wamid: str) -> str:
        say(api, PHONE, text, wamid)
        return graph.sent()[-1]["payload"]["text"]["body"]

    resumo_wa = reply("resumo", "wamid.R")
    assert f"Resumo {atual}" in resumo_wa
    assert _number(resumo_wa, r"Atrasadas: (\d+)") == atrasadas
    assert _number(resumo_wa, r"Vencem em até 7 dias: (\d+)") == vencem_7
    assert _number(resumo_wa, r"Abertos: (\d+)") == abertos_atual
    assert _number(reply("atrasadas", "wamid.A"), r"(\d+) obrigaç") == atrasadas
    assert _number(reply("semana", "wamid.S"), r"(\d+) obrigaç") == vencem_7
    empresa = reply("empresa 11222333000181", "wamid.E")
    assert _number(empresa, r"Obrigações atrasadas: (\d+)") == _total(
        api, "obrigacoes", empresa=str(alfa_id), situacao="atrasada")
    assert _number(empresa, r"Obrigações a vencer: (\d+)") == _total(
        api, "obrigacoes", empresa=str(alfa_id), situacao="a_vencer")
    assert _number(empresa, r"Processos abertos: (\d+)") == _total(
        api, "processos", empresa=str(alfa_id), aberto="true")

    # The alerts (dry run): the same overdue and due-soon obligations, told in the same words.
    result = cli("whatsapp", "alertas", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    alertas = json.loads(result.stdout.strip().splitlines()[-1])
    chaves = [c for item in alertas["itens"] for c in item["chaves"]]
    assert sum(1 for c in chaves if c.endswith(":atrasada")) == atrasadas
    assert sum(1 for c in chaves if ":vence:" in c) == vencem_7
    texto = alertas["itens"][0]["resumo"]
    assert _number(texto, r"(\d+) obrigaç\w+ atrasada") == atrasadas
    assert _number(texto, r"(\d+) obrigaç\w+ vence\w* em até 7 dias") == vencem_7

    # Mine: a USER tied by an ADMIN to Ana asks `responsavel=me`; the list, the resumo, `minhas` and their
    # alerts agree (every pending passo is Ana's, so every open processo is hers).
    ana_atrasadas = sum(1 for _, _d, _e, r, _a, s in OBRIGACOES if r == "Ana" and s == "atrasada")
    with database.session() as session:
        session.add(UsuarioAcessorias(codigo=41, nome="Ana", email="ana@office.example",
                                      sincronizado_em=now_utc()))
    ana_id, token = create_user_with_token(database, api.app.state.settings, "USER")  # type: ignore[attr-defined]
    assert api.patch(f"{API}/usuarios/{ana_id}", json={"acessorias_usuario_id": 41}).status_code == 200
    ana = TestClient(api.app, headers={"Authorization": f"Bearer {token}"})
    assert _total(ana, "obrigacoes", responsavel="me", situacao="atrasada") == ana_atrasadas
    meu_resumo = ana.get(f"{API}/resumo", params={"responsavel": "me"}).json()
    assert meu_resumo["obrigacoes"]["atrasadas"] == ana_atrasadas
    assert meu_resumo["processos_abertos"] == abertos
    assert _total(ana, "processos", responsavel="me", aberto="true") == abertos
    link(ana, "5511900001111", "wamid.LANA")
    say(ana, "5511900001111", "minhas", "wamid.MANA")
    assert _number(graph.sent()[-1]["payload"]["text"]["body"], r"Atrasadas: (\d+)") == ana_atrasadas
    result = cli("whatsapp", "alertas", "--dry-run", "--json")
    itens = json.loads(result.stdout.strip().splitlines()[-1])["itens"]
    dela = next(i for i in itens if i["usuario_id"] == ana_id)
    assert sum(1 for c in dela["chaves"] if c.endswith(":atrasada")) == ana_atrasadas


@pytest.mark.parametrize(("day", "expected"), [
    (date(2027, 1, 1), "12/2026"), (date(2027, 1, 31), "12/2026"), (date(2028, 2, 29), "01/2028"),
    (date(2028, 3, 1), "02/2028"),
])
def test_the_current_competencia_is_the_previous_month_every_day(day: date, expected: str) -> None:
    assert competencia_atual(day) == expected
