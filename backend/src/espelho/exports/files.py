"""CSV and XLSX files of any table: one CSV writer, one XLSX writer, one response (columns: colunas.py).

Rows are read with `yield_per` (a server-side cursor on PostgreSQL) as plain column tuples, never ORM
objects, and written straight to a temporary file: XlsxWriter in `constant_memory` mode flushes each row
to disk, so 50,000 rows cost a few MB whatever the list (bench/bench_exports.py). The finished file is
then streamed to the client and deleted. It is written inside the handler, while the request's session
is open, because the session closes before a streamed body would be read.

CSV is what Excel in pt-BR opens correctly: UTF-8 with BOM, `;` between fields, decimal comma,
dd/mm/aaaa dates. A text cell that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`,
`@`, a tab or a carriage return; upstream names are not ours) is prefixed with `'`, following OWASP's
CSV-injection guidance; numbers and dates stay numbers. XLSX holds real dates and numbers (money as
numbers formatted R$), a frozen header row, an auto-filter and column widths.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, cast

import xlsxwriter
from fastapi import Query
from fastapi.responses import FileResponse
from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from espelho.clock import SAO_PAULO, today_sao_paulo
from espelho.exports.colunas import Coluna, Tipo

Formato = Literal["csv", "xlsx"]
FormatoQ = Annotated[
    Formato | None,
    Query(description="csv or xlsx: the whole filtered list as a file (page and page_size are ignored)"),
]
CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a list route adds to its decorator so the OpenAPI documents the files beside the JSON page.
ARQUIVO: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The JSON page; with `formato`, the whole filtered list as a CSV or XLSX attachment",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_MIME: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}

# Rows fetched per round trip; bounds the memory of a read whatever the list's size.
LOTE = 1_000
# Excel refuses sheet names over 31 characters and cells over 32,767.
_MAX_ABA = 31
_MAX_CELULA = 32_767

_XLSX_FORMATOS: dict[Tipo, str] = {
    Tipo.INTEIRO: "#,##0",
    Tipo.DIAS: "#,##0",
    Tipo.DECIMAL: "#,##0.00",
    Tipo.DINHEIRO: "[$R$-416] #,##0.00",
    Tipo.PERCENTUAL: "0.00%",
    Tipo.DATA: "dd/mm/yyyy",
    Tipo.DATAHORA: "dd/mm/yyyy hh:mm",
}


_FORA = ("raw_json", "hash_snapshot", "links")  # payloads no table shows


def linhas(session: Session, stmt: Select[Any]) -> Iterator[Mapping[str, Any]]:
    """The statement's rows as mappings, fetched LOTE at a time."""
    for row in session.execute(stmt.execution_options(yield_per=LOTE)):
        yield cast(Mapping[str, Any], row._mapping)


def em_colunas(model: Any, stmt: Select[Any]) -> Select[Any]:
    """A statement of whole rows of `model` read as plain columns (no ORM objects, no raw payload)."""
    return stmt.with_only_columns(*(c for c in model.__table__.columns if c.key not in _FORA))


# ---- values ---------------------------------------------------------------------------------------------


def _datahora_local(value: datetime) -> datetime:
    return value.astimezone(SAO_PAULO).replace(tzinfo=None) if value.tzinfo else value


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _br_numero(value: Any, casas: int) -> str:
    return f"{float(value):.{casas}f}".replace(".", ",")


# What makes Excel, LibreOffice or Sheets evaluate a cell (OWASP, "CSV Injection").
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def texto_csv(value: str) -> str:
    """A text cell no spreadsheet evaluates: one that would start a formula gets a leading `'`."""
    return "'" + value if value.startswith(_FORMULA) else value


def valor_csv(tipo: Tipo, value: Any) -> str:
    if value is None or value == "":
        return ""
    if tipo in (Tipo.INTEIRO, Tipo.DIAS):
        return str(int(value))
    if tipo is Tipo.NUMERO:
        if isinstance(value, str):  # a number only if it reads as one; else text like any other
            try:
                numero = Decimal(value).is_finite()
            except ArithmeticError:
                numero = False
            if not numero:
                return texto_csv(value)
        return str(value).replace(".", ",")
    if tipo in (Tipo.DECIMAL, Tipo.DINHEIRO):
        return _br_numero(value, 2)
    if tipo is Tipo.PERCENTUAL:
        return _br_numero(value, 2) + "%"
    if tipo is Tipo.DATAHORA and isinstance(value, datetime):
        return _datahora_local(value).strftime("%d/%m/%Y %H:%M")
    if tipo is Tipo.DATA:
        day = _as_date(value)
        return day.strftime("%d/%m/%Y") if day else ""
    if tipo is Tipo.BOOLEANO:
        return "Sim" if value else "Não"
    return texto_csv(value if isinstance(value, str) else _texto(value))


def escrever_csv(path: str, colunas: Sequence[Coluna], rows: Iterable[Mapping[str, Any]]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([c.titulo for c in colunas])
        for row in rows:
            writer.writerow([valor_csv(c.tipo, c.de(row)) for c in colunas])
            count += 1
    return count


class Planilha:
    """An XLSX workbook written row by row to disk (`constant_memory`): sheets of tables."""

    def __init__(self, path: str) -> None:
        self.book = xlsxwriter.Workbook(
            path, {"constant_memory": True, "strings_to_numbers": False, "strings_to_urls": False}
        )
        self.cabecalho = self.book.add_format({"bold": True, "bg_color": "#E8EEF7", "bottom": 1})
        self.titulo = self.book.add_format({"bold": True, "font_size": 13})
        self.formatos = {
            tipo: self.book.add_format({"num_format": fmt}) for tipo, fmt in _XLSX_FORMATOS.items()
        }

    def aba(self, nome: str) -> Aba:
        return Aba(self, self.book.add_worksheet(_nome_aba(nome)))

    def fechar(self) -> None:
        self.book.close()


class Aba:
    """One sheet. Tables go down the sheet in order (constant_memory writes rows only forwards); the first
    one gets the frozen header row and the auto-filter."""

    def __init__(self, planilha: Planilha, sheet: Any) -> None:
        self.planilha = planilha
        self.sheet = sheet
        self.linha = 0
        self.larguras: dict[int, int] = {}

    def titulo(self, texto: str) -> None:
        self.sheet.write_string(self.linha, 0, texto, self.planilha.titulo)
        self.linha += 2

    def tabela(self, colunas: Sequence[Coluna], rows: Iterable[Mapping[str, Any]]) -> int:
        """Header + rows from the current line; returns the number of data rows written."""
        primeira = not self.larguras
        for index, coluna in enumerate(colunas):
            largura = max(self.larguras.get(index, 0), coluna.largura, min(len(coluna.titulo) + 2, 40))
            if largura != self.larguras.get(index):
                self.larguras[index] = largura
                self.sheet.set_column(index, index, largura)
        header = self.linha
        for index, coluna in enumerate(colunas):
            self.sheet.write_string(header, index, coluna.titulo, self.planilha.cabecalho)
        count = 0
        for row in rows:
            self.linha += 1
            count += 1
            for index, coluna in enumerate(colunas):
                self._celula(self.linha, index, coluna.tipo, coluna.de(row))
        if primeira:
            self.sheet.freeze_panes(header + 1, 0)
            self.sheet.autofilter(header, 0, header + max(count, 1), len(colunas) - 1)
        self.linha += 2
        return count

    def _celula(self, row: int, col: int, tipo: Tipo, value: Any) -> None:
        sheet, fmt = self.sheet, self.planilha.formatos.get(tipo)
        if value is None or value == "":
            return
        if tipo in (Tipo.INTEIRO, Tipo.DIAS, Tipo.NUMERO, Tipo.DECIMAL, Tipo.DINHEIRO):
            sheet.write_number(row, col, float(value), fmt)
        elif tipo is Tipo.PERCENTUAL:
            sheet.write_number(row, col, float(value) / 100.0, fmt)
        elif tipo is Tipo.DATA:
            day = _as_date(value)
            sheet.write_datetime(row, col, datetime(day.year, day.month, day.day), fmt)  # type: ignore[union-attr]
        elif tipo is Tipo.DATAHORA and isinstance(value, datetime):
            sheet.write_datetime(row, col, _datahora_local(value), fmt)
        elif tipo is Tipo.BOOLEANO:
            sheet.write_string(row, col, "Sim" if value else "Não")
        else:
            text = value if isinstance(value, str) else _texto(value)
            sheet.write_string(row, col, text[:_MAX_CELULA])


def _texto(value: Any) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _nome_aba(nome: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", nome)[:_MAX_ABA]


# ---- the HTTP answer ----------------------------------------------------------------------------------


def nome_arquivo(base: str, *partes: str | None, extensao: str) -> str:
    """`processos_10-2026_2026-11-29.xlsx`: what, the notable filters, the day it was taken."""
    pieces = [base, *(p for p in partes if p), today_sao_paulo().isoformat()]
    safe = [re.sub(r"[^\w.-]+", "-", p.strip(), flags=re.ASCII).strip("-") for p in pieces]
    return "_".join(p for p in safe if p) + f".{extensao}"


def arquivo_temporario(suffix: str) -> str:
    """A new empty temporary file's path; the caller deletes it."""
    handle, path = tempfile.mkstemp(prefix="espelho-", suffix=suffix)
    os.close(handle)
    return path


def arquivo(
    formato: Formato,
    colunas: Sequence[Coluna],
    rows: Iterable[Mapping[str, Any]],
    base: str,
    *partes: str | None,
    aba: str | None = None,
) -> FileResponse:
    """The rows as a CSV or single-sheet XLSX attachment, streamed from a temporary file deleted after."""
    path = arquivo_temporario(f".{formato}")
    try:
        if formato == "csv":
            escrever_csv(path, colunas, rows)
        else:
            planilha = Planilha(path)
            planilha.aba(aba or base.capitalize()).tabela(colunas, rows)
            planilha.fechar()
    except BaseException:
        os.unlink(path)
        raise
    return enviar(path, formato, nome_arquivo(base, *partes, extensao=formato))


def exportar(session: Session, formato: Formato, colunas: Sequence[Coluna], stmt: Select[Any], base: str,
             *partes: str | None, aba: str) -> FileResponse:
    """A list's export: the rows of the statement its JSON page reads, unpaged, in `colunas` (colunas.toml:
    those its web table shows, pt-BR headers)."""
    return arquivo(formato, colunas, linhas(session, stmt), base, *partes, aba=aba)


def enviar(path: str, formato: Formato, nome: str) -> FileResponse:
    """A finished temporary file as an attachment named `nome`, deleted once sent."""
    return FileResponse(path, media_type=CSV_MIME if formato == "csv" else XLSX_MIME, filename=nome,
                        background=BackgroundTask(os.unlink, path))
