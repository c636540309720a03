"""The simulated world is realistic on every date: walks a whole year with a frozen clock and checks what
the rest of the suite, the demo and the end-to-end run rely on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from espelho.acessorias.competencia import Competencia, competencia_processo
from espelho.clock import SAO_PAULO, today_sao_paulo
from espelho.simulator.acessorias import OFFICE_SIZES, Office, build_office, process_header
from espelho.simulator.comprasnet import DEMO_UASG, QUIRKS_UASG, World
from espelho.simulator.deadlines import DEADLINES, add_months, is_business_day, legal_deadline

# 2027-12-01 … 2028-11-30 holds 31 Dec → 1 Jan, 29 Feb 2028 and every kind of month end.
FIRST_DAY = date(2027, 12, 1)
YEAR = [FIRST_DAY + timedelta(days=n) for n in range(366)]
# Instants where UTC and Brasília disagree on the date (even on the year).
SPLIT_INSTANTS = [
    datetime(2028, 1, 1, 2, 30, tzinfo=UTC),  # still 31/12/2027 in Brasília
    datetime(2027, 12, 31, 23, 30, tzinfo=SAO_PAULO),  # already 2028 in UTC
    datetime(2028, 3, 1, 1, 0, tzinfo=UTC),  # still 29/02/2028 in Brasília
]


def instants(every_day: bool = True) -> Iterator[datetime]:
    for day in YEAR:
        if every_day or day.day in (1, 15) or (day + timedelta(days=1)).day == 1:
            yield datetime.combine(day, time(12, 0), SAO_PAULO)
    yield from SPLIT_INSTANTS


def check_office(office: Office, today: date) -> None:
    pending_soon = [
        e for e in office.entregas if e.entrega is None and today < e.prazo <= today + timedelta(days=45)
    ]
    overdue = [e for e in office.entregas if e.status == "Atrasada!"]
    delivered = [e for e in office.entregas if e.entrega is not None]
    assert len(pending_soon) >= 4, f"{today}: only {len(pending_soon)} deliveries due in the next 45 days"
    assert overdue, f"{today}: no overdue delivery"
    assert delivered, f"{today}: no delivered delivery"
    assert all(e.entrega is None or e.entrega <= today for e in office.entregas), "delivered in the future"

    alive = [p for p in office.processos.values() if not p.excluido]
    current = Competencia.of(today.month, today.year)
    last_month = add_months(today.replace(day=1), -1)
    previous = Competencia.of(last_month.month, last_month.year)
    open_by_comp: set[str | None] = set()
    concluded = 0
    for proc in alive:
        header = process_header(proc, today)
        if header["ProcStatus"] == "Em andamento":
            comp = competencia_processo(header["ProcTitulo"], header["ProcInicio"], header["ProcNome"])
            open_by_comp.add(comp)
        concluded += header["ProcStatus"] == "Concluído"
        if concluded and {current, previous} <= open_by_comp:
            break
    assert {current, previous} <= open_by_comp, f"{today}: open competências {sorted(map(str, open_by_comp))}"
    assert concluded, f"{today}: nothing concluded"
    opened = {(p.inicio.year, p.inicio.month) for p in alive}
    assert {(today.year, today.month), (last_month.year, last_month.month)} <= opened
    assert all(p.inicio <= today for p in alive), "a process starts in the future"


def check_uasg(world: World, code: str, today: date) -> None:
    ends = [
        (date.fromisoformat(c["vigencia_fim"]) - today).days
        for c in world.lista(code, today)
        if isinstance(c, dict) and c["tipo"] == "Contrato" and c["vigencia_fim"]
    ]
    bands = {
        "within 30 days": [d for d in ends if 0 <= d <= 30],
        "within 31-60 days": [d for d in ends if 30 < d <= 60],
        "within 61-90 days": [d for d in ends if 60 < d <= 90],
        "ended inside the 100-day cut": [d for d in ends if -100 <= d < 0],
        "ended beyond the 100-day cut": [d for d in ends if d < -100],
    }
    empty = [name for name, found in bands.items() if not found]
    assert not empty, f"{today} UASG {code}: no contract {empty}"


@pytest.mark.parametrize("kind", sorted(OFFICE_SIZES))
def test_every_day_of_a_year_has_a_realistic_office(kind: str) -> None:
    # The big office is the same generator with 25x the rows: the 1st, 15th and last day of every month
    # keep its walk to seconds.
    for instant in instants(every_day=kind == "small"):
        with time_machine.travel(instant, tick=False):
            today = today_sao_paulo()
            check_office(build_office(kind, seed=42), today)


def test_every_day_of_a_year_has_contracts_at_every_vigencia_boundary() -> None:
    world = World("http://127.0.0.1", seed=42)
    for instant in instants():
        with time_machine.travel(instant, tick=False):
            today = today_sao_paulo()
            for code in (DEMO_UASG, QUIRKS_UASG, "250123"):
                check_uasg(world, code, today)


def test_the_clock_follows_brasilia_where_utc_disagrees() -> None:
    with time_machine.travel(SPLIT_INSTANTS[0], tick=False):
        assert today_sao_paulo() == date(2027, 12, 31)
    with time_machine.travel(SPLIT_INSTANTS[1], tick=False):
        assert today_sao_paulo() == date(2027, 12, 31)


@pytest.mark.parametrize(
    ("nome", "competencia", "due"),
    [
        ("DAS", date(2026, 10, 1), date(2026, 11, 19)),  # 20/11 is Black Awareness Day, a holiday
        ("DAS", date(2027, 1, 1), date(2027, 2, 19)),  # 20/02/2027 is a Saturday
        ("DAS", date(2026, 5, 1), date(2026, 6, 19)),  # 20/06/2026 is a Saturday
        ("EFD-REINF", date(2027, 10, 1), date(2027, 11, 12)),  # 15/11 is a holiday, 13-14 a weekend
        ("DARF PIS/COFINS", date(2027, 11, 1), date(2027, 12, 24)),  # 25/12 is Christmas, a Saturday
        ("EFD-CONTRIBUICOES", date(2027, 12, 1), date(2028, 2, 14)),  # 10th business day of February
    ],
)
def test_deadlines_follow_the_real_calendar(nome: str, competencia: date, due: date) -> None:
    assert legal_deadline(nome, competencia) == due


def test_every_deadline_is_a_business_day() -> None:
    for nome in DEADLINES:
        for month in range(24):
            assert is_business_day(legal_deadline(nome, add_months(FIRST_DAY, month)))
