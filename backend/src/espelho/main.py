"""FastAPI app factory. Engines and settings are built in the lifespan, never at import."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from espelho import __version__
from espelho.acessorias.router import router as acessorias_router
from espelho.api import BodySizeLimit, ClientAddress, MethodRouting, NulFreeQuery, error_response
from espelho.auth.deps import authenticate
from espelho.auth.router import router as auth_router
from espelho.auth.security import BoundedPasswords, secret_key_problem
from espelho.config import Settings
from espelho.contratos.router import router as contratos_router
from espelho.db import Database
from espelho.errors import EspelhoError, InvalidInput, NotFound, UpstreamError, from_status
from espelho.health import install_metrics
from espelho.health import router as health_router
from espelho.jobs.runner import start_background_jobs
from espelho.logging_setup import configure_logging, get_logger, is_secret_key
from espelho.openapi import install_error_documentation
from espelho.regras import router as regras_router
from espelho.relatorios.router import router as relatorios_router
from espelho.syncs.history_router import router as sync_history_router
from espelho.web_static import static_response
from espelho.whatsapp.router import router as whatsapp_router

log = get_logger(__name__)


_MAX_ECHO_CHARS = 200
_NOT_JSON = "expected a JSON body (Content-Type: application/json)"


def _problem(field: str, message: str, value: Any) -> dict[str, Any]:
    """One entry of a 422's detail. It echoes the input only when it is a JSON scalar outside any secret
    field (logging_setup.is_secret_key), texts shortened: never a password, a raw body or a whole object."""
    echoed: Any = None
    if not any(is_secret_key(part) for part in field.split(".")):
        if isinstance(value, str):
            echoed = value if len(value) <= _MAX_ECHO_CHARS else value[:_MAX_ECHO_CHARS] + "…"
        elif isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
            echoed = value
    return {"field": field, "message": message, "input": echoed}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(EspelhoError)
    async def espelho_error(_: Request, exc: EspelhoError) -> JSONResponse:
        detail: Any = exc.message if exc.detail is None else {"message": exc.message, "info": exc.detail}
        if isinstance(exc, UpstreamError):
            detail = {"message": exc.message, "upstream": exc.upstream, "upstream_status": exc.status}
        if isinstance(exc, InvalidInput):  # the same shape as a request validation error
            info = exc.detail if isinstance(exc.detail, dict) else {}
            detail = [_problem(str(info.get("field", "")), exc.message, info.get("input"))]
        return error_response(exc.status_code, exc.error, detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors():
            field = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body"))
            if isinstance(e.get("input"), bytes):  # the body was not JSON (a form, text): FastAPI kept it raw
                problems.append(_problem(field, _NOT_JSON, None))
            else:
                problems.append(_problem(field, str(e.get("msg")), e.get("input")))
        return error_response(422, "invalid_input", problems)

    @app.exception_handler(StarletteHTTPException)
    async def framework_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Only the framework raises these (an unknown path, a wrong method, a body over the size limit from
        # api.BodySizeLimit): rendered as our own errors. FastAPI's only 400 is a body it could not decode
        # (not UTF-8 JSON): one error path for bad bodies, the 422 of a body that is not JSON.
        if exc.status_code == 400:
            return await espelho_error(request, InvalidInput(_NOT_JSON))
        return await espelho_error(request, from_status(exc.status_code, str(exc.detail), exc.headers))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if not settings.demo_mode and (problem := secret_key_problem(settings)):
        raise RuntimeError(f"refusing to start: {problem}")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_json)
        app.state.settings = settings
        app.state.database = Database(settings.database_url)
        # One per app, made before any request: two racing requests must never build two bounds.
        app.state.passwords = BoundedPasswords(settings.password_hash_concurrency,
                                               settings.password_hash_wait_s)
        # Celery dispatch when Redis is set; otherwise background threads and the in-process schedule.
        app.state.jobs = start_background_jobs(settings, app.state.database)
        log.info("app.started", database=app.state.database.engine.url.render_as_string(hide_password=True))
        try:
            yield
        finally:
            app.state.jobs.shutdown()
            app.state.passwords.shutdown()
            app.state.database.dispose()

    app = FastAPI(
        title="Espelho",
        version=__version__,
        description="Local mirror of Comprasnet Contratos and Acessórias.",
        lifespan=lifespan,
        # Every /api route needs a bearer token except the public ones listed in auth/deps.py.
        dependencies=[Depends(authenticate)],
        # Operation ids are the route functions' names: short, stable names in the generated web client.
        generate_unique_id_function=_operation_id,
    )
    _install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(NulFreeQuery)
    app.add_middleware(MethodRouting)
    if ClientAddress.installed(settings):
        app.add_middleware(ClientAddress, header=settings.client_ip_header)
    app.include_router(health_router)
    app.include_router(auth_router)
    app.include_router(regras_router)
    # Fixed paths like /api/contratos/sync must be registered before /api/contratos/{id}.
    app.include_router(sync_history_router)
    app.include_router(contratos_router)
    app.include_router(acessorias_router)
    app.include_router(whatsapp_router)
    app.include_router(relatorios_router)
    install_metrics(app)
    _allow_cors(app, settings)
    _mount_web_app(app, settings)
    install_error_documentation(app)
    return app


def _allow_cors(app: FastAPI, settings: Settings) -> None:
    """Let a web app served from another origin (ESPELHO_CORS_ORIGINS) call the API from the browser.

    Added last, so it is the outermost middleware: preflights are answered before auth, and handled
    errors (401, 422, …) carry the CORS headers too, so the web app can read them."""
    if not settings.cors_origins:
        return

    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                       allow_credentials=settings.cors_allow_credentials,
                       allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                       allow_headers=["Authorization", "Content-Type"], max_age=600)


def _operation_id(route: APIRoute) -> str:
    return route.name


def _mount_web_app(app: FastAPI, settings: Settings) -> None:
    """Serve the built React bundle at / with client-side routes falling back to index.html."""
    dist = Path(settings.web_dist_dir) if settings.web_dist_dir else None
    if dist is None or not (dist / "index.html").is_file():
        return
    index = dist / "index.html"

    @app.get("/{path:path}", include_in_schema=False)
    def web_app(path: str, request: Request) -> Response:
        if path.startswith("api/"):
            raise NotFound(f"no route /{path}")
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist.resolve()):
            return static_response(request, candidate, path)
        return static_response(request, index, "index.html")
