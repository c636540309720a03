"""The competência: the month a process or delivery is about, always stored and served as `MM/YYYY`.

`Competencia` is the one value type (a `str` of its canonical text, so it goes into columns, JSON and
query parameters as is) and the one parser of what people and upstreams write. Used as a Pydantic
annotation it is the API's type too: a bad value is a field-level 422.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from espelho.errors import InvalidInput
from espelho.upstream.parsing import any_date

_SLASH = re.compile(r"^(?P<m>\d{1,2})/(?P<y>\d{4})$")  # MM/YYYY, M/YYYY
_FORMS = (
    re.compile(r"^(?P<m>\d{1,2})[/\-.](?P<y>\d{4})$"),  # MM/YYYY, MM-YYYY, MM.YYYY
    re.compile(r"^(?P<y>\d{4})[/\-.](?P<m>\d{1,2})$"),  # YYYY-MM
)
# "MM/YYYY" or "MM-YYYY" standing alone in a title: "DAS - 05/2026", "Fechamento 5/2026". A full date
# such as "01/05/2026" is *not* a competência (the look-behind refuses a preceding "NN/").
_TITLE_COMPETENCIA = re.compile(r"(?<![\d/])(0?[1-9]|1[0-2])\s*[/-]\s*((?:19|20)\d{2})(?![\d/])")


class Competencia(str):
    """`MM/YYYY`. Build one with `of` or `parse`; compare and sort with `ordem`."""

    __slots__ = ()

    @classmethod
    def of(cls, month: int, year: int) -> Competencia:
        return cls(f"{month:02d}/{year:04d}")

    @classmethod
    def parse(cls, value: str, *, field: str = "competencia", slash_only: bool = False) -> Competencia:
        """`MM/YYYY`, `MM-YYYY` or `YYYY-MM` (an encoded `MM%2FYYYY` arrives decoded); only `MM/YYYY`
        with `slash_only` (the sync commands' documented form). InvalidInput names `field`."""
        if isinstance(value, Competencia):
            return value
        raw = value.strip()
        for form in (_SLASH,) if slash_only else _FORMS:
            found = form.match(raw)
            if found:
                month, year = int(found["m"]), int(found["y"])
                if 1 <= month <= 12 and 1900 <= year <= 2999:
                    return cls.of(month, year)
                break
        written = "MM/YYYY" if slash_only else "MM/YYYY, MM-YYYY or YYYY-MM"
        raise InvalidInput(
            f"{field}: expected a competência as {written} (month 01–12), got {value!r}",
            detail={"field": field, "input": value},
        )

    @property
    def month(self) -> int:
        return int(self[:2])

    @property
    def year(self) -> int:
        return int(self[3:])

    @property
    def ordem(self) -> str:
        """`YYYYMM`: sorts like the months (the same key COMPETENCIA_ORDEM computes in SQL)."""
        return self[3:] + self[:2]

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def inicio_do_ciclo(self) -> date:
        """Day 0 of its cycle: a competência is worked in the month after it (its DAS, its closing)."""
        return self.plus_months(1).first_day

    def plus_months(self, months: int) -> Competencia:
        index = self.year * 12 + self.month - 1 + months
        return Competencia.of(index % 12 + 1, index // 12)

    def anterior(self) -> Competencia:
        return self.plus_months(-1)

    def day_before_month(self, months: int) -> date:
        """The day before the first of the month `months` after this one."""
        return self.plus_months(months).first_day - timedelta(days=1)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        # A trailing slash is trimmed: a `{comp:path}` route parameter swallows it.
        return core_schema.no_info_after_validator_function(
            lambda text: cls.parse(text.rstrip("/")),
            core_schema.str_schema(max_length=20),
            serialization=core_schema.to_string_ser_schema(),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        # The OpenAPI documents the forms parse() takes (the month's range is parse()'s to check).
        json_schema = handler(schema)
        json_schema.update(pattern=r"^(\d{1,2}[/.-]\d{4}|\d{4}[/.-]\d{1,2})/?$",
                           examples=["10/2026", "2026-10"])
        return json_schema


def competencia_from_title(title: Any) -> Competencia | None:
    """The `MM/YYYY` written in a process title, if there is exactly one kind of it (the last one wins)."""
    if not isinstance(title, str) or not title.strip():
        return None
    matches = _TITLE_COMPETENCIA.findall(title)
    if not matches:
        return None
    month, year = matches[-1]
    return Competencia.of(int(month), int(year))


def competencia_processo(titulo: Any, inicio: Any, nome: Any = None) -> Competencia | None:
    """Competência of a process: the `MM/YYYY` in its title (`ProcTitulo`, then `ProcNome`) when there
    is one, else the month of `ProcInicio` (`DD/MM/YYYY`, ISO accepted). None when neither is usable."""
    for candidate in (titulo, nome):
        found = competencia_from_title(candidate)
        if found:
            return found
    return _month_of(inicio)


def _month_of(value: Any) -> Competencia | None:
    """The competência of a date (a `date`, `DD/MM/YYYY` or ISO); None when it is not a date."""
    try:
        day = value if isinstance(value, date) else any_date(value)
    except ValueError:
        return None
    return Competencia.of(day.month, day.year) if day else None


def competencia_entrega(ent_competencia: Any) -> Competencia | None:
    """Competência of a delivery from `EntCompetencia` ("2026-05-01", the month's first day)."""
    return _month_of(ent_competencia)
