"""Exports through HTTP: whole filtered sets (not one page), the JSON list's filters, pt-BR files."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi.testclient import TestClient

from espelho.exports.files import XLSX_MIME
from tests.relatorios.conftest import csv_rows, workbook

API = "/api/v1"


def _total(api: TestClient, path: str, **params: Any) -> int:
    response = api.get(path, params={"page_size": 1, **params})
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def _export(api: TestClient, path: str, formato: str, **params: Any) -> bytes:
    response = api.get(path, params={**params, "formato": formato})
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f".{formato}" in disposition
    expected = "text/csv" if formato == "csv" else XLSX_MIME
    assert response.headers["content-type"].startswith(expected)
    return response.content


def test_obrigacoes_csv_and_xlsx_hold_the_api_total(api: TestClient, mirrored: dict[str, Any]) -> None:
    total = _total(api, f"{API}/obrigacoes")
    assert total > 50  # more than one default page: the export is the whole list

    rows = csv_rows(_export(api, f"{API}/obrigacoes", "csv"))
    assert rows[0][:3] == ["Vencimento", "Obrigação", "Departamento"]
    assert len(rows) - 1 == total
    # pt-BR dates in the CSV.
    assert all(len(r[0]) == 10 and r[0][2] == "/" for r in rows[1:] if r[0])

    sheet = workbook(_export(api, f"{API}/obrigacoes", "xlsx")).active
    assert sheet.max_row - 1 == total
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref is not None
    assert sheet.column_dimensions["A"].width > 8
    vencimento = sheet.cell(row=2, column=1)
    assert isinstance(vencimento.value, datetime) and vencimento.number_format == "dd/mm/yyyy"
    assert sheet.title == "Obrigações"


def test_a_filter_is_the_json_list_filter(api: TestClient, mirrored: dict[str, Any]) -> None:
    page = api.get(f"{API}/obrigacoes", params={"status": "Pendente", "page_size": 500}).json()
    rows = csv_rows(_export(api, f"{API}/obrigacoes", "csv", status="Pendente"))
    assert len(rows) - 1 == page["total"] > 0
    header = rows[0]
    assert {r[header.index("Status")] for r in rows[1:]} == {"Pendente"}
    # The raw label is a snapshot: the Situação column says what the dates tell.
    assert {r[header.index("Situação")] for r in rows[1:]} <= {"Atrasada", "A vencer"}
    first = page["items"][0]
    assert rows[1][0] == date.fromisoformat(first["data_vencimento"]).strftime("%d/%m/%Y")


def test_processos_of_one_competencia_as_xlsx(api: TestClient, mirrored: dict[str, Any]) -> None:
    competencias = api.get(f"{API}/dashboard/timeline").json()["items"]
    competencia = max(competencias, key=lambda c: c["total"])["competencia"]
    total = _total(api, f"{API}/processos", competencia=competencia)
    response = api.get(f"{API}/processos", params={"competencia": competencia, "formato": "xlsx"})
    assert response.status_code == 200
    assert competencia.replace("/", "-") in response.headers["content-disposition"]
    sheet = workbook(response.content).active
    assert sheet.max_row - 1 == total > 0
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Nº", "Processo", "Departamento", "Empresa"]
    assert {sheet.cell(row=r, column=7).value for r in range(2, sheet.max_row + 1)} == {competencia}
    progresso = sheet.cell(row=2, column=header.index("Progresso") + 1)
    assert isinstance(progresso.value, int | float) and 0 <= progresso.value <= 1
    assert progresso.number_format == "0.00%"
    # The same through the competência route.
    same = api.get(f"{API}/processos/competencia/{competencia.replace('/', '-')}", params={"formato": "csv"})
    assert len(csv_rows(same.content)) - 1 == total


def test_contratos_of_a_uasg_as_csv(api: TestClient, mirrored: dict[str, Any]) -> None:
    uasg = mirrored["uasg"]
    total = _total(api, "/api/contratos/", uasg=uasg)
    response = api.get("/api/contratos/", params={"uasg": uasg, "formato": "csv"})
    assert response.status_code == 200 and uasg in response.headers["content-disposition"]
    rows = csv_rows(response.content)
    assert len(rows) - 1 == total > 0
    assert rows[0][:3] == ["Número", "Tipo", "UASG"] and {r[2] for r in rows[1:]} == {uasg}
    # Money with a decimal comma, no thousands separator.
    valores = [r[rows[0].index("Valor global")] for r in rows[1:] if r[rows[0].index("Valor global")]]
    assert valores and all("," in v and "." not in v for v in valores)

    sheet = workbook(_export(api, "/api/contratos/", "xlsx", uasg=uasg, vigencia="ativos")).active
    assert sheet.max_row - 1 == _total(api, "/api/contratos/", uasg=uasg, vigencia="ativos")
    col = [c.value for c in sheet[1]].index("Valor global") + 1
    valor = next(
        sheet.cell(row=r, column=col)
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(row=r, column=col).value is not None
    )
    assert isinstance(valor.value, int | float) and "R$" in valor.number_format


def test_every_list_route_of_a_kind_exports_its_own_filter(api: TestClient, mirrored: dict[str, Any]) -> None:
    """The routes that share a list's page helper (vigência tabs, processos of an empresa, obligations due
    on a day) export their own filtered set, in the JSON page's order."""
    uasg = mirrored["uasg"]
    page = api.get("/api/contratos/vencidos/", params={"uasg": uasg, "page_size": 500}).json()
    rows = csv_rows(_export(api, "/api/contratos/vencidos/", "csv", uasg=uasg))
    assert len(rows) - 1 == page["total"] > 0
    header = rows[0]
    # Same order as the page; "Dias para vencer" is the page's `dias_para_vencer` (negative: ended).
    for item, row in zip(page["items"], rows[1:], strict=False):
        assert row[header.index("Número")] == (item["numero"] or "")
        assert int(row[header.index("Dias para vencer")]) == item["dias_para_vencer"] < 0

    empresa = api.get(f"{API}/processos", params={"page_size": 1}).json()["items"][0]["empresa_id"]
    total = _total(api, f"{API}/empresas/{empresa}/processos")
    assert len(csv_rows(_export(api, f"{API}/empresas/{empresa}/processos", "csv"))) - 1 == total > 0

    dia = api.get(f"{API}/obrigacoes", params={"page_size": 1}).json()["items"][0]["data_vencimento"]
    do_dia = f"{API}/obrigacoes/vencimento/{dia}"
    assert workbook(_export(api, do_dia, "xlsx")).active.max_row - 1 == _total(api, do_dia) > 0


def test_empresas_sync_history_and_a_contract_tab(api: TestClient, mirrored: dict[str, Any]) -> None:
    total = _total(api, f"{API}/empresas", ativa="true")
    assert len(csv_rows(_export(api, f"{API}/empresas", "csv", ativa="true"))) - 1 == total > 0

    total = _total(api, f"{API}/sync/history")
    sheet = workbook(_export(api, f"{API}/sync/history", "xlsx")).active
    assert sheet.max_row - 1 == total >= 2 and isinstance(sheet.cell(row=2, column=1).value, datetime)

    contrato = api.get("/api/contratos/", params={"uasg": mirrored["uasg"]}).json()["items"][0]["id"]
    assert api.post(f"/api/contratos/{contrato}/sincronizar/empenhos/").status_code == 200
    total = _total(api, "/api/contratos/empenhos/", contrato=contrato)
    response = api.get("/api/contratos/empenhos/", params={"contrato": contrato, "formato": "xlsx"})
    assert f"contrato-{contrato}_empenhos" in response.headers["content-disposition"]
    assert workbook(response.content).active.max_row - 1 == total


def test_bad_formato_and_filters_answer_422(api: TestClient) -> None:
    response = api.get(f"{API}/obrigacoes", params={"formato": "pdf"})
    assert response.status_code == 422 and response.json()["error"] == "invalid_input"
    response = api.get(f"{API}/processos", params={"formato": "csv", "competencia": "13/2026"})
    assert response.status_code == 422


def test_openapi_documents_the_files(api: TestClient) -> None:
    schema = api.get("/openapi.json").json()
    for path in (f"{API}/processos/", f"{API}/obrigacoes/", "/api/contratos/", f"{API}/sync/history/"):
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        assert {"application/json", "text/csv", XLSX_MIME} <= set(content), path
