"""Acessórias client: pages, empty-page confirmation, deduplication, details, deliveries.

Built on upstream.http (rate limiter, ≤5 in flight, retries on 429/5xx/timeouts, typed errors). What
this layer adds is the API's own habits (shared/upstream/acessorias-api.md §2–§5):
- 204, an empty body, `[]` and `{"Erro": …}` in a 200 all read as an *empty page*;
- an empty page is suspicious (silent throttling) and is believed only after a spaced retry;
- rows are deduplicated by their key; a page cap stops endless loops;
- a failure raises (never an empty result).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from espelho.acessorias.upstream import (
    UpstreamCompany,
    UpstreamDeliveryBlock,
    UpstreamProcess,
    UpstreamProcessHeader,
)
from espelho.clock import SAO_PAULO
from espelho.config import Settings
from espelho.db import Database
from espelho.errors import UpstreamMalformed
from espelho.logging_setup import get_logger
from espelho.upstream.http import UpstreamResponse, upstream_http
from espelho.upstream.ratelimit import RateLimiter

log = get_logger(__name__)

PAGE_CAP = 400  # hard stop against a list that never ends (reference §5.4)
PROCESS_PAGE_SIZE = 20
COMPANY_PAGE_SIZE = 20
DELIVERY_PAGE_SIZE = 50
USER_PAGE_SIZE = 20
MAX_IN_FLIGHT = 5  # the bound, whatever the settings say


@dataclass
class ListStats:
    pages: int = 0
    rows: int = 0
    duplicates: int = 0
    suspicious_empty: int = 0  # empty pages that a spaced retry then filled
    erros: list[str] = field(default_factory=list)
    capped: bool = False


@dataclass
class ListResult:
    rows: list[dict[str, Any]]
    stats: ListStats
    # The keys on either side of each page break (last of a page, first of the next): where rows the
    # unstable pagination skipped hide.
    page_breaks: list[tuple[Any, Any]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.stats.capped


def empty_payload(response: UpstreamResponse) -> tuple[bool, Any, str | None]:
    """(is_empty, payload, erro). 204, blank body, `[]`, `{}` and `{"Erro": …}` are all empty."""
    if response.is_empty:
        return True, None, None
    payload = response.json()
    if isinstance(payload, dict) and "Erro" in payload:
        return True, None, str(payload.get("Erro"))
    if payload in ([], {}):
        return True, None, None
    return False, payload, None


def brasilia_filter(moment: datetime) -> str:
    """Query filters take Brasília wall-clock time, `YYYY-MM-DD HH:MM:SS`."""
    return moment.astimezone(SAO_PAULO).strftime("%Y-%m-%d %H:%M:%S")


class AcessoriasClient:
    def __init__(
        self,
        settings: Settings,
        *,
        rate_limiter: RateLimiter | None = None,
        database: Database | None = None,
        confirm_pause_s: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`database` keeps the rate window there when Redis is not configured (see upstream_rate_limiter)."""
        self.http = upstream_http(
            "acessorias", settings, rate_limiter=rate_limiter, database=database,
            # No Retry-After upstream: back off locally, doubling up to ~20 s (reference §3).
            max_backoff_s=max(settings.acessorias_backoff_s, 20.0),
            max_in_flight=max(1, min(MAX_IN_FLIGHT, settings.acessorias_max_in_flight)),
        )
        # Silent throttling answers 200 [] (reference §3): an empty page gets one spaced retry (≥1.4 s
        # upstream); the pause doubles once a retry has found data, i.e. while throttling is going on.
        if confirm_pause_s is None:
            confirm_pause_s = min(settings.acessorias_backoff_s, 1.5)
        self.confirm_pause_s = confirm_pause_s
        self._sleep = sleep
        self._suspicious = 0

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> AcessoriasClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- primitives -------------------------------------------------------------------------------
    def _fetch(self, path: str, params: dict[str, Any] | None = None) -> tuple[bool, Any, str | None]:
        return empty_payload(self.http.get(path, params=params))

    def _confirm_pause(self) -> None:
        self._sleep(min(self.confirm_pause_s * (2 ** min(self._suspicious, 4)), 30.0))

    def _recovered(self) -> None:
        """An empty answer turned out to be throttling: space later confirmations more."""
        self._suspicious += 1

    def _fetch_confirmed(
        self, path: str, params: dict[str, Any] | None = None
    ) -> tuple[bool, Any, str | None]:
        """An empty answer is re-asked once after a pause before it is believed."""
        empty, payload, erro = self._fetch(path, params)
        if not empty:
            return empty, payload, erro
        self._confirm_pause()
        again = self._fetch(path, params)
        if not again[0]:
            self._recovered()
        return again

    def _pages(
        self, path: str, params: dict[str, Any], *, page_size: int, short_page_ends: bool, stats: ListStats
    ) -> Iterator[list[Any]]:
        """Pages 1.. until a confirmed empty page (or, where reliable, a short one)."""
        for page in range(1, PAGE_CAP + 1):
            query = {**params, "Pagina": page}
            empty, payload, erro = self._fetch(path, query)
            if empty:
                self._confirm_pause()
                empty, payload, erro2 = self._fetch(path, query)
                if empty:
                    if erro or erro2:
                        stats.erros.append(erro2 or erro or "")
                    return
                stats.suspicious_empty += 1
                self._recovered()
                log.warning("acessorias.empty_page_recovered", path=path, page=page)
            stats.pages += 1
            items = payload if isinstance(payload, list) else [payload]
            yield items
            if short_page_ends and len(items) < page_size:
                return
        stats.capped = True
        log.error("acessorias.page_cap", path=path, cap=PAGE_CAP)

    @staticmethod
    def _dedupe(rows: Iterator[dict[str, Any]], key: str, stats: ListStats) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for row in rows:
            if not isinstance(row, dict) or row.get(key) in (None, ""):
                continue
            stats.rows += 1
            ident = str(row[key]).strip()
            if ident in seen:
                stats.duplicates += 1
            seen[ident] = row
        return list(seen.values())

    # --- resources --------------------------------------------------------------------------------
    def companies(self) -> ListResult:
        """Every company (active or not), with the regime label; 20 per page, deduplicated by ID."""
        stats = ListStats()
        # Bare flag: `registrationData` adds Regime (a value could change the meaning upstream).
        pages = self._pages(
            "/companies/ListAll/",
            {"registrationData": ""},
            page_size=COMPANY_PAGE_SIZE,
            short_page_ends=False,
            stats=stats,
        )
        rows = self._dedupe((row for page in pages for row in page), "ID", stats)
        return ListResult(rows, stats)

    def users(self) -> ListResult:
        """The office's users, deduplicated by id. The list skips some people: see `user`."""
        stats = ListStats()
        pages = self._pages(
            "/users/ListAll/", {}, page_size=USER_PAGE_SIZE, short_page_ends=False, stats=stats
        )
        return ListResult(self._dedupe((row for page in pages for row in page), "id", stats), stats)

    def user(self, user_id: int) -> dict[str, Any] | None:
        """One user by id (for ids the list skipped), or None when the upstream has none."""
        empty, payload, _erro = self._fetch_confirmed(f"/users/{user_id}", None)
        item = payload[0] if isinstance(payload, list) and payload else payload
        return None if empty or not isinstance(item, dict) else item

    def process_list(self, *, changed_since: datetime | None = None) -> ListResult:
        """Process headers (no steps), optionally only those changed after `changed_since`."""
        stats = ListStats()
        params: dict[str, Any] = {}
        if changed_since is not None:
            params["DtLastDH"] = brasilia_filter(changed_since)
        pages = self._pages(
            "/processes/ListAll/", params, page_size=PROCESS_PAGE_SIZE, short_page_ends=False, stats=stats
        )
        breaks: list[tuple[Any, Any]] = []
        last: list[Any] = []

        def rows_noting_breaks() -> Iterator[dict[str, Any]]:
            for page in pages:
                keys = [row.get("ProcID") for row in page if isinstance(row, dict)]
                if last and keys:
                    breaks.append((last[-1], keys[0]))
                last[:] = keys[-1:] or last
                yield from page

        rows = self._dedupe(rows_noting_breaks(), "ProcID", stats)
        return ListResult(rows, stats, breaks)

    def process_detail(self, proc_id: int, *, confirm_empty: bool = True) -> dict[str, Any] | None:
        """One process with its steps, or None when it does not exist (204/Erro, confirmed by default)."""
        fetch = self._fetch_confirmed if confirm_empty else self._fetch
        empty, payload, _erro = fetch(f"/processes/{proc_id}", None)
        if empty:
            return None
        item = payload[0] if isinstance(payload, list) and payload else payload
        if not isinstance(item, dict) or "ProcID" not in item:
            raise UpstreamMalformed(
                "process detail without ProcID",
                upstream="acessorias",
                url=self.http.url(f"/processes/{proc_id}"),
                detail=str(payload)[:200],
            )
        return item

    def company_deliveries(self, cnpj_digits: str, start: date, end: date) -> list[dict[str, Any]]:
        """One company's delivery blocks over a deadline window; per CNPJ a short page is the end."""
        stats = ListStats()
        params = {"DtInitial": start.isoformat(), "DtFinal": end.isoformat(), "config": ""}
        blocks: list[dict[str, Any]] = []
        for page in range(1, PAGE_CAP + 1):
            # A first empty page is usually "no deliveries", but could be throttling: confirm it.
            fetch = self._fetch_confirmed if page == 1 else self._fetch
            empty, payload, _erro = fetch(f"/deliveries/{cnpj_digits}", {**params, "Pagina": page})
            if empty:
                break
            stats.pages += 1
            items = payload if isinstance(payload, list) else [payload]
            blocks.extend(b for b in items if isinstance(b, dict))
            if sum(len(b.get("Entregas") or []) for b in items if isinstance(b, dict)) < DELIVERY_PAGE_SIZE:
                break
        return blocks

    def deliveries_changed(self, since: datetime, start: date, end: date) -> ListResult:
        """The rolling delta of `deliveries/ListAll` (DtLastDH must be today or yesterday upstream)."""
        stats = ListStats()
        params = {
            "DtInitial": start.isoformat(),
            "DtFinal": end.isoformat(),
            "DtLastDH": brasilia_filter(since),
            "config": "",
        }
        pages = self._pages(
            "/deliveries/ListAll/", params, page_size=DELIVERY_PAGE_SIZE, short_page_ends=False, stats=stats
        )
        blocks = [b for page in pages for b in page if isinstance(b, dict)]
        return ListResult(blocks, stats)


def parse_company(row: dict[str, Any]) -> UpstreamCompany:
    return UpstreamCompany.model_validate(row)


def parse_header(row: dict[str, Any]) -> UpstreamProcessHeader:
    return UpstreamProcessHeader.model_validate(row)


def parse_process(row: dict[str, Any]) -> UpstreamProcess:
    return UpstreamProcess.model_validate(row)


def parse_block(row: dict[str, Any]) -> UpstreamDeliveryBlock:
    return UpstreamDeliveryBlock.model_validate(row)
