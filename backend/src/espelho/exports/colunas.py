"""The columns of an export: a pt-BR header, the row field it reads, its type and width. The tables are
data, in colunas.toml beside this module (one per list, one per contract tab, one per report table); a
column computed in code (the report's situation columns) is a `Coluna` with a `valor`.

A leaf: the list exports, the report (relatorios/relatorio.py) and the tab table (contratos/abas.py) read it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from espelho.clock import today_sao_paulo

_ARQUIVO = Path(__file__).with_name("colunas.toml")


class Tipo(Enum):
    TEXTO = "texto"
    INTEIRO = "inteiro"
    NUMERO = "numero"  # integers and decimals mixed in one column (Excel's General format)
    DECIMAL = "decimal"
    DINHEIRO = "dinheiro"
    PERCENTUAL = "percentual"  # values 0–100, as the API serves them
    DATA = "data"
    DATAHORA = "datahora"  # aware UTC in the mirror; written as Brasília wall time
    BOOLEANO = "booleano"
    DIAS = "dias"  # the days from today (America/Sao_Paulo) to the field's date; negative once past


@dataclass(frozen=True)
class Coluna:
    """One column of an export: pt-BR header, where its value comes from, its type and width."""

    titulo: str
    campo: str
    tipo: Tipo = Tipo.TEXTO
    largura: int = 16
    senao: tuple[str, ...] = ()  # fields read, in order, while the value is still empty
    valor: Callable[[Mapping[str, Any]], Any] | None = None  # derived from the whole row, in code

    def de(self, linha: Mapping[str, Any]) -> Any:
        if self.valor is not None:
            return self.valor(linha)
        value = linha.get(self.campo)
        for campo in self.senao:
            if value not in (None, ""):
                break
            value = linha.get(campo)
        if self.tipo is Tipo.DIAS and isinstance(value, date):
            return (value - today_sao_paulo()).days
        return value


@cache
def _tabelas() -> dict[str, tuple[Coluna, ...]]:
    with _ARQUIVO.open("rb") as handle:
        data = tomllib.load(handle)
    return {
        nome: tuple(
            Coluna(c["titulo"], c["campo"], Tipo(c.get("tipo", "texto")), c.get("largura", 16),
                   tuple(c.get("senao", ())))
            for c in colunas
        )
        for nome, colunas in data.items()
    }


def tabela(nome: str) -> tuple[Coluna, ...]:
    """The columns of one table of colunas.toml (KeyError for a table it does not have)."""
    return _tabelas()[nome]
