"""The OpenAPI schema documents every error answer of every operation, with the envelope's real shape.

Which statuses an operation lists: the ones every route shares are derived from the route itself when it
is added (`shared_error_responses`, called by api.SlashOptionalRouter): 401 off the public paths, 403
with a role dependency, 413 with a body; FastAPI itself lists 422 wherever there is a parameter or a body.
A route states the others it can answer (404, 409, 429, 502–504) with `responses=error_responses(...)`.
What each error looks like: `install_error_documentation` gives every listed error status its envelope
schema, replacing FastAPI's default 422 (`HTTPValidationError`), which is not what the API answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from espelho.errors import ErrorOut, UpstreamErrorOut, ValidationErrorOut

_DESCRIPTIONS = {
    400: "The body is not what this route takes (a signed webhook body that is no webhook event)",
    401: "Missing, malformed, expired or revoked bearer token (on login: wrong email or password)",
    403: "The signed-in user's role may not do this",
    404: "No such resource in the mirror (or, on the WhatsApp routes, WhatsApp is not configured)",
    409: "Conflicts with the current state: a run of this scope is going, the email exists, the last ADMIN, "
         "`responsavel=me` from a user tied to no Acessórias person (sem_vinculo_acessorias)",
    413: "Request body larger than ESPELHO_MAX_BODY_BYTES",
    422: "Invalid parameters or body",
    429: "Too many failed logins, or too many password checks at once: retry after the Retry-After "
         "header's seconds",
    502: "The upstream rejected the request or answered malformed data",
    503: "The upstream (or the job queue) is unavailable or throttling",
    504: "The upstream timed out",
}


# Meta's webhook authenticates with the app secret's signature (whatsapp/service.py), not a user token.
PUBLIC_PATHS = frozenset({"/api/v1/health", "/api/v1/auth/login", "/api/v1/webhooks/whatsapp"})


def is_public(path: str) -> bool:
    """Authentication (auth/deps.py) skips these paths, and their operations document no 401."""
    return not path.startswith("/api/") or (path.rstrip("/") or "/") in PUBLIC_PATHS


class RoleGate:
    """Base of a dependency that admits only some roles: the routes that declare one document 403."""


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error statuses a route can answer, for its `responses=` (schemas are added at schema time)."""
    return {status: {"description": _DESCRIPTIONS[status]} for status in statuses}


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def shared_error_responses(route: APIRoute) -> dict[int | str, dict[str, Any]]:
    """The error statuses `route` answers by the app's common machinery: authentication (401), a role
    dependency (403), the body-size limit (413)."""
    statuses = []
    if not is_public(route.path_format):
        statuses.append(401)
    if any(isinstance(d.call, RoleGate) for d in _dependants(route.dependant)):
        statuses.append(403)
    if route.body_field is not None:
        statuses.append(413)
    return error_responses(*statuses)


def _model(status: int) -> type[BaseModel]:
    if status == 422:
        return ValidationErrorOut
    return UpstreamErrorOut if status in (502, 503, 504) else ErrorOut


def _document_errors(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorOut, ValidationErrorOut, UpstreamErrorOut):
        definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(definition.pop("$defs", {}))
        components[model.__name__] = definition
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation["responses"]
            for code in [c for c in responses if c.isdigit() and int(c) >= 400]:
                ref = {"$ref": f"#/components/schemas/{_model(int(code)).__name__}"}
                responses[code] = {"description": _DESCRIPTIONS[int(code)],
                                   "content": {"application/json": {"schema": ref}}}
    # FastAPI's own 422 shapes, now referenced by nothing.
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)


def install_error_documentation(app: FastAPI) -> None:
    """Make `app.openapi()` document the errors (built once, then cached like FastAPI's own)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        _document_errors(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
