"""Shared HTTP pieces: the session dependency, a router with optional trailing slashes, the bounds of every
integer a client sends, the error envelope, the request-body size limit, and paging: the one list envelope
(`Page`), its query parameters (`PageDep`) and the one COUNT + OFFSET query (`paginate`).

A list route is `return Page[ItemOut].of(paginate(session, stmt, paging, order), paging)`, or
`Page[ItemOut].of(service_call(..., paging), paging)` when a service builds the statement. A service whose
list is also exported whole (relatorios/) builds it once as a `Listing`: the JSON page reads one page of it,
the export all of it."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any, Generic, NamedTuple, Self, TypeVar

from annotated_types import Ge, Le
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from espelho.config import Settings
from espelho.db import Database
from espelho.errors import InvalidInput, PayloadTooLarge
from espelho.openapi import shared_error_responses


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """The request is the transaction boundary: commit when the handler succeeded, roll back otherwise.

    Used with `scope="function"` (SessionDep): the commit runs when the handler returns, before a byte of the
    response is sent, so a 2xx means the write is stored, and a failed commit is the client's error answer
    (a `yield` dependency's default teardown would run after the response had gone)."""
    with request.app.state.database.session() as session:
        yield session


# Every integer a client sends is bounded by the column it is compared with, so a bigger one is a 422 and
# never a driver overflow (a 500). The mirror's own ids are INTEGER, 32-bit on PostgreSQL; upstream ids
# (a Comprasnet contract, a ProcID) are BIGINT, like SQLite's INTEGER.
MAX_INT32 = 2**31 - 1
MAX_INT64 = 2**63 - 1
# A row id of the mirror, in a path or a query: `Annotated[Id, Path(description=...)]`.
Id = Annotated[int, Ge(1), Le(MAX_INT32)]
# An id the upstream assigned (BIGINT).
UpstreamId = Annotated[int, Ge(1), Le(MAX_INT64)]
# The common case: a mirror row id as a path parameter (`/empresas/{empresa_id}/`).
IdPath = Annotated[Id, Path()]
MAX_PAGE_SIZE = 500
# The last page whose offset (a BIGINT) still fits.
MAX_PAGE = MAX_INT64 // MAX_PAGE_SIZE


def as_int(text: str, maximum: int) -> int | None:
    """A search text that is a number comparable with a column of `maximum` (ASCII digits), or None."""
    raw = text.strip()
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) <= maximum else None


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


class SlashOptionalRouter(APIRouter):
    """Serves every route with and without its trailing slash (no 307 redirect, which breaks POSTs).

    Declare paths with a trailing slash; the slash-less twin is added and hidden from the OpenAPI schema.
    """

    def api_route(self, path: str, *, include_in_schema: bool = True, **kwargs: Any) -> Callable[..., Any]:
        add_primary = super().api_route(path, include_in_schema=include_in_schema, **kwargs)
        twin = path[:-1] if path.endswith("/") else path + "/"
        add_twin = super().api_route(twin, include_in_schema=False, **kwargs) if twin else None

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            if add_twin is not None:
                add_twin(func)
            return add_primary(func)

        return decorator

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        route = self.routes[-1]
        if isinstance(route, APIRoute):  # list the errors every route shares in its OpenAPI responses
            route.responses = {**shared_error_responses(route), **route.responses}


T = TypeVar("T")


class PageParams(BaseModel):
    model_config = ConfigDict(frozen=True)
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def page_params(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (1–500)")] = 50,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


PageDep = Annotated[PageParams, Depends(page_params)]


class PageRows(NamedTuple):
    """One page of rows (ORM objects, rows or dicts) and how many match in all."""

    items: list[Any]
    total: int


def paginate(session: Session, stmt: Select[*tuple[Any, ...]], paging: PageParams,
             order_by: Sequence[Any]) -> PageRows:
    """COUNT the matches, then read one page of `stmt` in `order_by` (end it with a unique column, so pages
    never overlap). A statement of one entity or column yields its values; a wider one, rows."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = stmt.order_by(*order_by).offset(paging.offset).limit(paging.page_size)
    one = len(stmt.column_descriptions) == 1
    return PageRows(list(session.scalars(page) if one else session.execute(page)), total)


def ordering_key(value: str | None, allowed: dict[str, Any], default: str) -> tuple[Any, bool]:
    """`ordering=campo` or `-campo` → (column, descending)."""
    raw = (value or default).strip()
    desc = raw.startswith("-")
    key = raw.lstrip("-+")
    if key not in allowed:
        raise InvalidInput(
            f"ordering: unknown field {key!r}; use one of {', '.join(sorted(allowed))} "
            "(prefix '-' for descending)",
            detail={"field": "ordering", "input": value},
        )
    return allowed[key], desc


def directed(column: Any, tie: Any, desc: bool, *, unique: Sequence[Any] = (),
             nulls_last: bool = False) -> list[Any]:
    """`column` in the asked direction, then `tie` (the id) so pages never overlap. A unique column needs
    no tie-breaker (its unique index then serves the ordering alone). `nulls_last`: rows without the value
    come last either way, on both databases (PostgreSQL and SQLite disagree on where NULL sorts)."""
    columns = [column] if column is tie or any(column is u for u in unique) else [column, tie]
    ordered = [c.desc() if desc else c.asc() for c in columns]
    if nulls_last:
        ordered[0] = ordered[0].nulls_last()
    return ordered


def ordering_query(allowed: dict[str, Any]) -> Any:
    """An `ordering` parameter whose OpenAPI schema names the list's fields (checked by ordering_key,
    which answers 422 naming them)."""
    campos = sorted(allowed)
    return Query(max_length=40, description=f"One of {', '.join(campos)}; prefix '-' for descending",
                 json_schema_extra={"pattern": f"^[-+]?({'|'.join(campos)})$",
                                    "examples": [campos[0], f"-{campos[0]}"]})



class Listing(NamedTuple):
    """A list's filtered statement and its order (ending with a unique column), built once per list."""

    stmt: Select[Any]
    order: Sequence[Any]

    def page(self, session: Session, paging: PageParams) -> PageRows:
        return paginate(session, self.stmt, paging, self.order)

    def ordered(self) -> Select[Any]:
        """Every row, in the list's order (what an export streams)."""
        return self.stmt.order_by(*self.order)


class Page(BaseModel, Generic[T]):
    """The list envelope every list endpoint answers with."""

    items: list[T]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, rows: PageRows, paging: PageParams) -> Self:
        """`Page[ItemOut].of(...)`: each item read into ItemOut (from attributes or keys)."""
        return cls.model_validate({"items": rows.items, "total": rows.total, "page": paging.page,
                                   "page_size": paging.page_size}, from_attributes=True)


def error_response(status: int, error: str, detail: Any,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error envelope every error answers with (main.py renders errors.py's family through it)."""
    return JSONResponse(status_code=status, content={"error": error, "detail": detail}, headers=headers)


class MethodRouting:
    """Two HTTP courtesies FastAPI's routes leave out, before routing:

    - HEAD is answered as GET without the body (same status and headers), wherever GET is;
    - a method no route of the path takes is a 405 whose `Allow` names what every route of that path
      takes (not one route's), and a path that is a fixed route (`/api/contratos/sync/`) is not read as a
      parameter of another (`/api/contratos/{id}/`): a GET there is a 405, not a 422 on the id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.routes: list[tuple[re.Pattern[str], bool, frozenset[str]]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.routes is None:  # every route is in by the first request
            self.routes = _route_table(scope["app"])
        head = scope["method"] == "HEAD"
        method = "GET" if head else scope["method"]
        allowed = _allowed_methods(self.routes, scope["path"])
        if allowed and method not in allowed and method != "OPTIONS":
            allow = ", ".join(sorted(allowed | ({"HEAD"} if "GET" in allowed else set())))
            detail = f"{scope['method']} is not allowed here; use {allow}"
            answer = error_response(405, "method_not_allowed", detail, headers={"Allow": allow})
            await answer(scope, receive, send)
            return
        if not head:
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


def _route_table(app: Any) -> list[tuple[re.Pattern[str], bool, frozenset[str]]]:
    """(path regex, has parameters, methods) of every route but the web app's catch-all."""
    table = []
    for route in iter_route_contexts(app.routes):
        path, methods = route.path, route.methods
        if path and methods and ":path}" not in path:
            table.append((route.path_regex, "{" in path, frozenset(methods) - {"HEAD"}))
    return table


def _allowed_methods(routes: list[tuple[re.Pattern[str], bool, frozenset[str]]], path: str) -> set[str]:
    """The methods the routes of `path` take: those of its fixed routes when it is one, else of every
    parameterised route it matches; empty when no route has it (a 404 is the router's to give)."""
    fixed: set[str] = set()
    templated: set[str] = set()
    for regex, parameters, methods in routes:
        if regex.match(path):
            (templated if parameters else fixed).update(methods)
    return fixed or templated


class ClientAddress:
    """The client's address behind a platform's proxy, where the proxy's own address is not known in advance:
    the header its edge sets (ESPELHO_CLIENT_IP_HEADER, `Fly-Client-IP` on Fly), or, with
    ESPELHO_TRUSTED_PROXIES="*", the rightmost X-Forwarded-For hop: the one the proxy appended (what the
    client wrote is to its left, and ignored). The scheme from the rightmost X-Forwarded-Proto. A listed
    set of proxy addresses is uvicorn's job instead (cli.proxy_options). Not installed otherwise."""

    def __init__(self, app: ASGIApp, header: str | None) -> None:
        self.app = app
        self.header = header

    @staticmethod
    def installed(settings: Settings) -> bool:
        return bool(settings.client_ip_header) or settings.trusted_proxies == ["*"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = Headers(scope=scope)
            if self.header:
                host = headers.get(self.header, "").strip()
            else:
                host = _rightmost(headers, "x-forwarded-for")
            if _is_ip(host):
                port = scope["client"][1] if scope.get("client") else 0
                scope = {**scope, "client": (host, port)}
            proto = _rightmost(headers, "x-forwarded-proto").lower()
            if proto in ("http", "https"):
                scope = {**scope, "scheme": proto if scope["type"] == "http" else proto.replace("http", "ws")}
        await self.app(scope, receive, send)


def _rightmost(headers: Headers, name: str) -> str:
    hops = [hop.strip() for value in headers.getlist(name) for hop in value.split(",")]
    return hops[-1] if hops else ""


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class NulFreeQuery:
    """A query string holding a NUL byte (`%00`) is a 422 before any route reads it: PostgreSQL text cannot
    hold NUL, so such a filter would fail in the driver (a 500), and no real value needs one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if b"%00" in query or b"\x00" in query:
            problem = {"field": "query", "message": "NUL bytes (%00) are not allowed", "input": None}
            invalid = error_response(InvalidInput.status_code, InvalidInput.error, [problem])
            await invalid(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodySizeLimit:
    """Caps request bodies at `max_bytes` (ESPELHO_MAX_BODY_BYTES) before anything parses them: a declared
    Content-Length over the cap is answered 413 without running the app (FastAPI's own `max_body_size`
    would run a route that reads no body and then swap its answer for a plain-text 413); a body streamed
    without one is counted as it arrives and refused when it crosses the cap."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.message = f"request body larger than {max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
            too_large = PayloadTooLarge(self.message)
            await error_response(too_large.status_code, too_large.error, self.message)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # Raised while FastAPI reads the body, which lets only an HTTPException through (anything
                # else becomes its 400); main.py renders it as errors.PayloadTooLarge.
                raise HTTPException(PayloadTooLarge.status_code, self.message)
            return message

        await self.app(scope, counted, send)
