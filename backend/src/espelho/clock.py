"""Time helpers. Upstreams speak Brasília time; the mirror stores UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_sao_paulo() -> date:
    """'Today' for vigência rules and deadline windows is the date in America/Sao_Paulo."""
    return datetime.now(SAO_PAULO).date()
