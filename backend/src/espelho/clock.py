"""The one clock. Every "now" and "today" in Espelho comes from here, so tests freeze it in one place
(time-machine patches what `now_utc` reads). Upstreams speak Brasília time; the mirror stores UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def now_utc() -> datetime:
    return datetime.now(UTC)


def now_sao_paulo() -> datetime:
    """Wall time in Brasília: what the upstreams mean by a bare date or time."""
    return now_utc().astimezone(SAO_PAULO)


def today_sao_paulo() -> date:
    """'Today' for vigência rules and deadline windows is the date in America/Sao_Paulo."""
    return now_sao_paulo().date()
