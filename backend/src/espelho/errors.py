"""One error hierarchy. Each class carries its HTTP status; the API renders {"error", "detail"}."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class EspelhoError(Exception):
    status_code = 500
    error = "internal_error"

    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFound(EspelhoError):
    status_code = 404
    error = "not_found"


class InvalidInput(EspelhoError):
    status_code = 422
    error = "invalid_input"


class Conflict(EspelhoError):
    status_code = 409
    error = "conflict"


class Unauthorized(EspelhoError):
    status_code = 401
    error = "unauthorized"


class Forbidden(EspelhoError):
    status_code = 403
    error = "forbidden"


class UpstreamError(EspelhoError):
    """Base of every failure talking to an upstream; never turned into an empty result."""

    status_code = 502
    error = "upstream_error"

    def __init__(self, message: str, *, upstream: str, url: str | None = None, status: int | None = None,
                 detail: Any = None) -> None:
        super().__init__(message, detail=detail)
        self.upstream = upstream
        self.url = url
        self.status = status


class UpstreamUnavailable(UpstreamError):
    """Timeouts, connection errors, 5xx and 429 after retries."""

    status_code = 503
    error = "upstream_unavailable"


class UpstreamTimeout(UpstreamUnavailable):
    status_code = 504
    error = "upstream_timeout"


class UpstreamRejected(UpstreamError):
    """A 4xx answer (other than 429): retrying will not help."""

    status_code = 502
    error = "upstream_rejected"


class UpstreamMalformed(UpstreamError):
    """The upstream answered, but not with the JSON shape its reference describes."""

    status_code = 502
    error = "upstream_malformed"


# The `error` of the HTTP errors raised as Starlette HTTPExceptions rather than as EspelhoErrors: routing
# (404, 405), authentication (401, 403), the body-size limit (413) and login throttling (429).
HTTP_ERROR_NAMES = {
    401: Unauthorized.error,
    403: Forbidden.error,
    404: NotFound.error,
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "rate_limited",
}


# ---- the envelope's shapes, as the OpenAPI schema documents them (espelho/openapi.py) ----------------


class ErrorInfo(BaseModel):
    message: str
    info: Any = Field(default=None, description="Facts about the error, e.g. the running `run_id` of a 409")


class ErrorOut(BaseModel):
    """The envelope of every error answer but 422 and the upstream failures."""

    error: str = Field(description="unauthorized, forbidden, not_found, conflict, payload_too_large, "
                                   "rate_limited, …")
    detail: str | ErrorInfo


class FieldProblem(BaseModel):
    field: str = Field(description="The parameter or body field (dotted path), or empty for the whole body")
    message: str
    input: str | int | float | bool | None = Field(
        description="The value given, when it is a plain value outside any secret field (else null)")


class ValidationErrorOut(BaseModel):
    """422: what was wrong with the request, one entry per problem."""

    error: Literal["invalid_input"]
    detail: list[FieldProblem]


class UpstreamDetail(BaseModel):
    message: str
    upstream: str = Field(description="comprasnet, acessorias, or jobs (the job queue)")
    upstream_status: int | None = Field(description="The upstream's HTTP status, when it answered")


class UpstreamErrorOut(BaseModel):
    """502 (rejected or malformed), 503 (down, throttling) or 504 (timeout): the stored rows are untouched."""

    error: str = Field(description="upstream_rejected, upstream_malformed, upstream_unavailable, "
                                   "upstream_timeout")
    detail: UpstreamDetail

