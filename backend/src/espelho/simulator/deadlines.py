"""The real calendar of the obligations the simulated offices deliver.

Brazilian federal deadlines are "day N of the month after the competência" (or the N-th business day),
moved to the previous business day when day N is a weekend or a national holiday. The simulator derives
every deadline from these rules, so its world looks like a real office's on whatever date it is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("BR", years=year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _national_holidays(day.year)


def previous_business_day(day: date) -> date:
    """`day` itself when it is a business day, else the last business day before it."""
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def nth_business_day(month_start: date, n: int) -> date:
    day = month_start - timedelta(days=1)
    for _ in range(n):
        day += timedelta(days=1)
        while not is_business_day(day):
            day += timedelta(days=1)
    return day


def add_months(month_start: date, months: int) -> date:
    """The first day of the month `months` after (or before, when negative) `month_start`'s month."""
    index = month_start.year * 12 + month_start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class DeadlineRule:
    """Due `months_after` the competência, on calendar day `day` (moved back to a business day) or,
    when `business_day` is set, on that business day of the month."""

    months_after: int = 1
    day: int | None = None
    business_day: int | None = None

    def due(self, competencia: date) -> date:
        month = add_months(competencia, self.months_after)
        if self.business_day is not None:
            return nth_business_day(month, self.business_day)
        assert self.day is not None
        return previous_business_day(month.replace(day=self.day))


# Obligation name (as the office names it in Acessórias) -> its legal deadline.
DEADLINES: dict[str, DeadlineRule] = {
    "DAS": DeadlineRule(day=20),  # Simples Nacional (LC 123/2006, art. 21)
    "EFD-REINF": DeadlineRule(day=15),
    "DARF - DCTFWEB INSS-IRRF": DeadlineRule(day=20),
    "FGTS DIGITAL": DeadlineRule(day=20),
    "DARF PIS/COFINS": DeadlineRule(day=25),
    "EFD-CONTRIBUICOES": DeadlineRule(months_after=2, business_day=10),
    "FECHAMENTO CONTÁBIL": DeadlineRule(business_day=10),  # the office's own month-close task
}


@lru_cache(maxsize=4096)
def legal_deadline(nome: str, competencia: date) -> date:
    return DEADLINES[nome].due(competencia)
