"""The competência report (CLI and HTTP), the daily stored reports, and ProcGestor shown by name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import Result

from espelho.acessorias.models import Processo, UsuarioAcessorias
from espelho.acessorias.regras import competencia_atual
from espelho.clock import now_utc, today_sao_paulo
from espelho.config import Settings
from espelho.db import Database
from espelho.exports.files import XLSX_MIME
from espelho.jobs.registry import JobContext
from espelho.relatorios.models import Relatorio
from espelho.relatorios.service import GUARDADOS, RelatorioDoDia
from espelho.relatorios.tasks import relatorio_do_dia
from espelho.simulator.acessorias import USUARIOS, USUARIOS_FORA_DA_LISTA
from tests.helpers import RunningSimulator
from tests.relatorios.conftest import workbook

API = "/api/v1"
SHEETS = ["Resumo", "Processos em aberto", "Obrigações", "Contratos a vencer", "Responsáveis", "Gargalos"]


def _open_total(api: TestClient, competencia: str) -> int:
    metricas = api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json()
    return metricas["abertos"]


def test_cli_writes_the_report_workbook(
    cli: Callable[..., Result], api: TestClient, mirrored: dict[str, Any], tmp_path: Path
) -> None:
    competencia = competencia_atual(today_sao_paulo())
    target = tmp_path / "relatorio.xlsx"
    result = cli("relatorio", "--competencia", competencia, "-o", str(target))
    assert result.exit_code == 0, result.output
    book = load_workbook(target)
    assert book.sheetnames == SHEETS
    resumo = book["Resumo"]
    assert competencia in resumo["A1"].value
    metricas = api.get(f"{API}/dashboard/metricas", params={"competencia": competencia}).json()
    # The dashboard's figures, the same numbers: header on row 3, the indicators below it.
    figures = {resumo.cell(row=r, column=1).value: resumo.cell(row=r, column=2).value for r in range(4, 11)}
    assert figures["Processos"] == metricas["total_processos"]
    assert figures["Concluídos"] == metricas["concluidos"]
    assert figures["Taxa de conclusão (%)"] == metricas["taxa_conclusao"]
    assert resumo.cell(row=4, column=3).value == metricas["variacao"]["total_processos"]["anterior"]
    assert any(
        str(resumo.cell(row=r, column=1).value or "").startswith("Taxa de conclusão (%) no dia")
        for r in range(4, 15)
    )
    # Per regime below, adding up to the total.
    regimes = api.get(f"{API}/dashboard/regimes", params={"competencia": competencia}).json()["items"]
    column_a = [resumo.cell(row=r, column=1).value for r in range(1, resumo.max_row + 1)]
    start = column_a.index("Regime tributário") + 2
    assert (
        sum(resumo.cell(row=start + i, column=2).value for i in range(len(regimes)))
        == metricas["total_processos"]
    )

    abertos = book["Processos em aberto"]
    assert abertos.max_row - 1 == _open_total(api, competencia) and abertos.freeze_panes == "A2"
    obrigacoes = book["Obrigações"]
    limite = today_sao_paulo() + timedelta(days=7)
    assert obrigacoes.max_row > 1
    for row in range(2, obrigacoes.max_row + 1):
        vencimento = obrigacoes.cell(row=row, column=2).value
        assert isinstance(vencimento, datetime) and vencimento.date() <= limite
        header = [c.value for c in obrigacoes[1]]
        assert obrigacoes.cell(row=row, column=header.index("Entrega") + 1).value is None  # not delivered
        assert obrigacoes.cell(row=row, column=header.index("Situação") + 1).value in ("Atrasada", "A vencer")
    contratos = book["Contratos a vencer"]
    bands = {contratos.cell(row=r, column=1).value for r in range(2, contratos.max_row + 1)}
    assert bands == {"Até 30 dias", "31 a 60 dias", "61 a 90 dias"}


def test_cli_refuses_a_bad_competencia(cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli("relatorio", "--competencia", "13/2026", "-o", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2 and not (tmp_path / "x.xlsx").exists()


def test_report_over_http(api: TestClient, mirrored: dict[str, Any]) -> None:
    competencia = competencia_atual(today_sao_paulo())
    response = api.get(
        f"{API}/relatorios/competencia/{competencia.replace('/', '-')}", params={"formato": "xlsx"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX_MIME
    assert f"relatorio_{competencia.replace('/', '-')}" in response.headers["content-disposition"]
    book = workbook(response.content)
    assert book.sheetnames == SHEETS
    assert book["Processos em aberto"].max_row - 1 == _open_total(api, competencia)
    assert api.get(f"{API}/relatorios/competencia/13-2026").status_code == 422
    assert api.get(f"{API}/relatorios/competencia/10-2026", params={"formato": "csv"}).status_code == 422


def test_daily_job_stores_the_report_and_keeps_the_last_30(
    api: TestClient, database: Database, settings: Settings, mirrored: dict[str, Any]
) -> None:
    hoje = today_sao_paulo()
    with database.session() as session:
        for back in range(1, GUARDADOS + 1):  # a month of older reports
            session.add(
                Relatorio(
                    tipo="competencia",
                    competencia="01/2020",
                    data=hoje - timedelta(days=back),
                    nome_arquivo=f"velho-{back}.xlsx",
                    tamanho=1,
                    conteudo=b"x",
                    gerado_em=now_utc(),
                )
            )
    result = relatorio_do_dia(JobContext(settings, database))
    assert isinstance(result, RelatorioDoDia) and result.competencia == competencia_atual(hoje)
    relatorio_do_dia(JobContext(settings, database))  # the same day again replaces it

    listed = api.get(f"{API}/relatorios").json()
    assert len(listed) == GUARDADOS
    newest = listed[0]
    assert newest["data"] == hoje.isoformat() and newest["competencia"] == competencia_atual(hoje)
    assert listed[-1]["nome_arquivo"] == f"velho-{GUARDADOS - 1}.xlsx"  # the oldest one went
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Relatorio)) == GUARDADOS

    download = api.get(f"{API}/relatorios/{newest['id']}/arquivo")
    assert download.status_code == 200 and download.headers["content-type"] == XLSX_MIME
    assert newest["nome_arquivo"] in download.headers["content-disposition"]
    assert len(download.content) == newest["tamanho"]
    assert workbook(download.content).sheetnames == SHEETS
    missing = api.get(f"{API}/relatorios/999999/arquivo")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_proc_gestor_is_shown_by_name(
    api: TestClient,
    database: Database,
    settings: Settings,
    simulator: RunningSimulator,
    mirrored: dict[str, Any],
) -> None:
    with database.session() as session:
        usuarios = dict(session.execute(select(UsuarioAcessorias.codigo, UsuarioAcessorias.nome)).all())
        # The users the list skipped were fetched one by one, because a process names them.
        gestores = {int(g) for g in session.scalars(select(Processo.gestor).distinct()) if g}
        processo = session.scalar(
            select(Processo.id).where(Processo.gestor == str(min(USUARIOS_FORA_DA_LISTA)))
        )
    assert usuarios == {codigo: USUARIOS[codigo] for codigo in gestores}
    assert set(usuarios) >= USUARIOS_FORA_DA_LISTA
    detalhe = api.get(f"{API}/processos/{processo}").json()
    assert detalhe["gestor"] == str(min(USUARIOS_FORA_DA_LISTA))
    assert detalhe["gestor_nome"] == USUARIOS[min(USUARIOS_FORA_DA_LISTA)]
    # An incremental run with nothing changed asks for no user.
    from espelho.acessorias.sync import run_sync

    httpx.post(f"{simulator.acessorias_url}/_control/stats/reset", timeout=10).raise_for_status()
    run_sync(database, settings, "INCREMENTAL")
    requests = httpx.get(f"{simulator.acessorias_url}/_control/stats", timeout=10).json()["requests"]
    assert "user" not in requests and "users_list" not in requests
