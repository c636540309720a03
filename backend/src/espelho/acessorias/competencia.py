"""The one definition of a process's competência (the `MM/YYYY` month a process or delivery is about)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from espelho.upstream.parsing import any_date

# "MM/YYYY" or "MM-YYYY" standing alone in a title: "DAS - 05/2026", "Fechamento 5/2026". A full date
# such as "01/05/2026" is *not* a competência (the look-behind refuses a preceding "NN/").
_TITLE_COMPETENCIA = re.compile(r"(?<![\d/])(0?[1-9]|1[0-2])\s*[/-]\s*((?:19|20)\d{2})(?![\d/])")


def format_competencia(month: int, year: int) -> str:
    return f"{month:02d}/{year:04d}"


def competencia_from_title(title: Any) -> str | None:
    """The `MM/YYYY` written in a process title, if there is exactly one kind of it (the last one wins)."""
    if not isinstance(title, str) or not title.strip():
        return None
    matches = _TITLE_COMPETENCIA.findall(title)
    if not matches:
        return None
    month, year = matches[-1]
    return format_competencia(int(month), int(year))


def competencia_processo(titulo: Any, inicio: Any, nome: Any = None) -> str | None:
    """Competência of a process: the `MM/YYYY` in its title (`ProcTitulo`, then `ProcNome`) when there
    is one, else the month of `ProcInicio` (`DD/MM/YYYY`, ISO accepted). None when neither is usable."""
    for candidate in (titulo, nome):
        found = competencia_from_title(candidate)
        if found:
            return found
    try:
        started = any_date(inicio) if not isinstance(inicio, date) else inicio
    except ValueError:
        return None
    if started is None:
        return None
    return format_competencia(started.month, started.year)


def competencia_entrega(ent_competencia: Any) -> str | None:
    """Competência of a delivery from `EntCompetencia` ("2026-05-01", the month's first day)."""
    try:
        value = any_date(ent_competencia) if not isinstance(ent_competencia, date) else ent_competencia
    except ValueError:
        return None
    return format_competencia(value.month, value.year) if value else None


def competencia_sort_key(competencia: str) -> tuple[int, int]:
    """(year, month) so "12/2025" sorts before "01/2026"."""
    month, year = competencia.split("/")
    return int(year), int(month)
