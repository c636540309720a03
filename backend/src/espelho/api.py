"""Shared HTTP pieces: the session dependency, a router with optional trailing slashes, list envelopes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from espelho.config import Settings
from espelho.db import Database


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """The request is the transaction boundary: commit when the handler succeeded, roll back otherwise."""
    session = request.app.state.database.sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


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


class Page(BaseModel, Generic[T]):
    """The list envelope every list endpoint answers with."""

    items: list[T]
    total: int
    page: int
    page_size: int


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
