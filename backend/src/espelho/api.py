"""Shared HTTP pieces: the session dependency, a router with optional trailing slashes, and paging: the
one list envelope (`Page`), its query parameters (`PageDep`) and the one COUNT + OFFSET query (`paginate`).

A list route is `return Page[ItemOut].of(paginate(session, stmt, paging, order), paging)`, or
`Page[ItemOut].of(service_call(..., paging), paging)` when a service builds the statement. A service whose
list is also exported whole (relatorios/) builds it once as a `Listing`: the JSON page reads one page of it,
the export all of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any, Generic, NamedTuple, Self, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from espelho.config import Settings
from espelho.db import Database


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """The request is the transaction boundary: commit when the handler succeeded, roll back otherwise."""
    with request.app.state.database.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
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


T = TypeVar("T")


class PageParams(BaseModel):
    model_config = ConfigDict(frozen=True)
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def page_params(
    page: Annotated[int, Query(ge=1, description="1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=500, description="Items per page (1–500)")] = 50,
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
