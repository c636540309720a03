"""Tolerant parsers for the formats both upstreams use (see shared/upstream/*.md).

Each returns None for "no value" (None, "", zero dates) and raises ValueError for garbage, so a caller
can skip and report a malformed record instead of storing a wrong value.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from espelho.clock import SAO_PAULO

_ZERO_DATES = {"0000-00-00", "0000-00-00 00:00:00", "00/00/0000", "00/00/0000 00:00:00"}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in ("", "-", " - "))


def br_money(value: Any) -> Decimal | None:
    """Comprasnet money: PHP number_format(v, 2, ',', '.') -> "1.000.000,50", "-3,10", "0,00".

    Numbers and plain decimal strings ("500000.75") are accepted too, since older payloads and
    some fields carry them.
    """
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a money value: {value!r}")
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = str(value).strip().replace("R$", "").strip()
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not a money value: {value!r}") from exc


def plain_decimal(value: Any) -> Decimal | None:
    """Quantities ("20.00000") are raw DB decimals; a comma means Brazilian format."""
    if _blank(value):
        return None
    if isinstance(value, str) and "," in value:
        return br_money(value)
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal: {value!r}") from exc


def percentage(value: Any) -> Decimal | None:
    """Acessórias ProcPorcentagem: "45.00" in real data, "30%" in the docs; clamped to 0..100."""
    if _blank(value):
        return None
    text = str(value).strip().rstrip("%").strip().replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not a percentage: {value!r}") from exc
    return min(max(number, Decimal(0)), Decimal(100))


def integer(value: Any) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"not an integer: {value!r}")
    try:
        return int(str(value).strip())
    except ValueError as exc:
        raise ValueError(f"not an integer: {value!r}") from exc


def iso_date(value: Any) -> date | None:
    """YYYY-MM-DD (a time part is ignored); zero dates and blanks are None."""
    if _blank(value) or (isinstance(value, str) and value.strip() in _ZERO_DATES):
        return None
    if isinstance(value, dict):  # PHP DateTime object {"date": "...", "timezone": ...}
        moment = php_datetime(value)
        return moment.date() if moment else None
    text = str(value).strip()[:10]
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not a YYYY-MM-DD date: {value!r}") from exc


def br_date(value: Any) -> date | None:
    """DD/MM/YYYY (a time part is ignored)."""
    if _blank(value) or (isinstance(value, str) and value.strip() in _ZERO_DATES):
        return None
    text = str(value).strip()[:10]
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError as exc:
        raise ValueError(f"not a DD/MM/YYYY date: {value!r}") from exc


def any_date(value: Any) -> date | None:
    """Either format; the upstreams mix them by resource."""
    if isinstance(value, str) and re.match(r"^\d{2}/\d{2}/\d{4}", value.strip()):
        return br_date(value)
    return iso_date(value)


def local_datetime(value: Any) -> datetime | None:
    """Brasília wall-clock timestamp, ISO or Brazilian order, returned timezone-aware."""
    if _blank(value) or (isinstance(value, str) and value.strip() in _ZERO_DATES):
        return None
    text = str(value).strip()
    for fmt in ("%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y",
                "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=SAO_PAULO)
        except ValueError:
            continue
    raise ValueError(f"not a date-time: {value!r}")


def utc_timestamp(value: Any) -> datetime | None:
    """Comprasnet audit stamps: "2024-03-04T13:22:10Z"."""
    if _blank(value):
        return None
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not an ISO timestamp: {value!r}") from exc


def php_datetime(value: Any) -> datetime | None:
    """Serialized PHP DateTime {"date": "2021-01-01 20:49:18.000000", "timezone": "America/Sao_Paulo"}."""
    if _blank(value):
        return None
    if isinstance(value, str):
        return local_datetime(value[:19])
    if not isinstance(value, dict) or "date" not in value:
        raise ValueError(f"not a PHP DateTime object: {value!r}")
    try:
        parsed = datetime.strptime(str(value["date"])[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError as exc:
        raise ValueError(f"not a PHP DateTime object: {value!r}") from exc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        tz = ZoneInfo(str(value.get("timezone") or "America/Sao_Paulo"))
    except (ZoneInfoNotFoundError, ValueError):
        tz = SAO_PAULO
    return parsed.replace(tzinfo=tz)


def sim_nao(value: Any) -> bool | None:
    """"Sim"/"Não" (Comprasnet) and "S"/"N" (Acessórias) flags."""
    if _blank(value):
        return None
    text = str(value).strip().lower()
    if text in ("sim", "s", "true", "1", "yes"):
        return True
    if text in ("não", "nao", "n", "false", "0", "no"):
        return False
    raise ValueError(f"not a yes/no flag: {value!r}")


def digits(value: Any) -> str | None:
    """CNPJ/CPF digits only ("12.345.678/0001-90" -> "12345678000190")."""
    if _blank(value):
        return None
    only = re.sub(r"\D", "", str(value))
    return only or None


def text(value: Any) -> str | None:
    if _blank(value):
        return None
    return str(value).strip()
