"""FastAPI app factory. Engines and settings are built in the lifespan, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from espelho import __version__
from espelho.config import Settings
from espelho.db import Database
from espelho.errors import EspelhoError, UpstreamError
from espelho.logging_setup import configure_logging, get_logger

log = get_logger(__name__)


def _error(status: int, error: str, detail: Any) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "detail": detail})


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(EspelhoError)
    async def espelho_error(_: Request, exc: EspelhoError) -> JSONResponse:
        detail: Any = exc.message if exc.detail is None else {"message": exc.message, "info": exc.detail}
        if isinstance(exc, UpstreamError):
            detail = {"message": exc.message, "upstream": exc.upstream, "upstream_status": exc.status}
        return _error(exc.status_code, exc.error, detail)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body")),
             "message": e.get("msg"), "input": e.get("input")}
            for e in exc.errors()
        ]
        return _error(422, "invalid_input", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                 409: "conflict"}
        response = _error(exc.status_code, names.get(exc.status_code, "http_error"), exc.detail)
        if exc.headers:
            response.headers.update(exc.headers)
        return response


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_json)
        app.state.settings = settings
        app.state.database = Database(settings.database_url)
        log.info("app.started", database=app.state.database.engine.url.render_as_string(hide_password=True))
        try:
            yield
        finally:
            app.state.database.dispose()

    app = FastAPI(
        title="Espelho",
        version=__version__,
        description="Local mirror of Comprasnet Contratos and Acessórias.",
        lifespan=lifespan,
    )
    _install_error_handlers(app)

    from espelho.acessorias.router import router as acessorias_router
    from espelho.auth.router import router as auth_router
    from espelho.contratos.router import router as contratos_router
    from espelho.health import router as health_router
    from espelho.syncs.history_router import router as sync_history_router
    from espelho.syncs.router import router as sync_trigger_router

    app.include_router(health_router)
    app.include_router(auth_router)
    # Fixed paths like /api/contratos/sync must be registered before /api/contratos/{id}.
    app.include_router(sync_trigger_router)
    app.include_router(sync_history_router)
    app.include_router(contratos_router)
    app.include_router(acessorias_router)
    _mount_web_app(app, settings)
    return app


def _mount_web_app(app: FastAPI, settings: Settings) -> None:
    """Serve the built React bundle at / with client-side routes falling back to index.html."""
    from pathlib import Path

    from fastapi.responses import FileResponse

    dist = Path(settings.web_dist_dir) if settings.web_dist_dir else None
    if dist is None or not (dist / "index.html").is_file():
        return
    index = dist / "index.html"

    @app.get("/{path:path}", include_in_schema=False)
    def web_app(path: str) -> FileResponse:
        if path.startswith("api/"):
            raise StarletteHTTPException(404, f"no route /{path}")
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist.resolve()):
            return FileResponse(candidate)
        return FileResponse(index)
