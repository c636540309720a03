"""One error hierarchy. Each class carries its HTTP status (and headers, when the status needs some);
the API renders every one of them as {"error", "detail"}. Code raises these, never an HTTPException."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field


class EspelhoError(Exception):
    status_code = 500
    error = "internal_error"

    def __init_subclass__(cls, *, status: int | None = None, error: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status_code = status
        if error is not None:
            cls.error = error

    def __init__(self, message: str, *, detail: Any = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.headers = dict(headers or {})


class Unauthorized(EspelhoError, status=401, error="unauthorized"):
    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message, detail=detail, headers={"WWW-Authenticate": "Bearer"})


class TooManyRequests(EspelhoError, status=429, error="too_many_requests"):
    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after_s)})


class UpstreamError(EspelhoError, status=502, error="upstream_error"):
    """Base of every failure talking to an upstream; never turned into an empty result."""

    def __init__(self, message: str, *, upstream: str, url: str | None = None, status: int | None = None,
                 detail: Any = None) -> None:
        super().__init__(message, detail=detail)
        self.upstream = upstream
        self.url = url
        self.status = status


class NotFound(EspelhoError, status=404, error="not_found"):
    """Not in the mirror, or no such route."""


class MethodNotAllowed(EspelhoError, status=405, error="method_not_allowed"):
    """The route exists, not with this method."""


class BadRequest(EspelhoError, status=400, error="bad_request"):
    """A body that is not what it must be (a signed webhook body that is no webhook event)."""


class InvalidInput(EspelhoError, ValueError, status=422, error="invalid_input"):
    """Bad input. A ValueError too, so a Pydantic validator raising it gives a field-level 422."""


class Conflict(EspelhoError, status=409, error="conflict"):
    """A run of the same scope is going, or the change would break a rule (the last ADMIN)."""


class Forbidden(EspelhoError, status=403, error="forbidden"):
    """Signed in, without the role the route needs (or a webhook whose signature does not match)."""


class PayloadTooLarge(EspelhoError, status=413, error="payload_too_large"):
    """A body over ESPELHO_MAX_BODY_BYTES (api.BodySizeLimit, refused before anything reads it), or past a
    route's own smaller limit (the WhatsApp webhook)."""


class WhatsAppDisabled(EspelhoError, status=404, error="whatsapp_disabled"):
    """A WhatsApp route or send while ESPELHO_WHATSAPP_* is not configured."""


class UpstreamUnavailable(UpstreamError, status=503, error="upstream_unavailable"):
    """Timeouts, connection errors, 5xx and 429 after retries."""


class UpstreamTimeout(UpstreamUnavailable, status=504, error="upstream_timeout"):
    """The upstream did not answer in time (after retries)."""


class UpstreamRejected(UpstreamError, status=502, error="upstream_rejected"):
    """A 4xx answer (other than 429): retrying will not help."""


class UpstreamMalformed(UpstreamError, status=502, error="upstream_malformed"):
    """The upstream answered, but not with the JSON shape its reference describes."""


class GraphRejected(UpstreamRejected):
    """The WhatsApp Graph API refused a message; `code` is Meta's error code (131047 outside the 24-hour
    window, 131026 undeliverable, …), so the sender can fall back to a template or give up."""

    def __init__(self, message: str, *, code: int | None, url: str, status: int) -> None:
        super().__init__(message, upstream="whatsapp", url=url, status=status, detail={"code": code})
        self.code = code


_BY_STATUS: dict[int, type[EspelhoError]] = {
    cls.status_code: cls for cls in (NotFound, MethodNotAllowed, Conflict, Forbidden, PayloadTooLarge)
}


def from_status(status: int, message: str, headers: Mapping[str, str] | None = None) -> EspelhoError:
    """The error for a status the web framework produced itself (an unknown path, a wrong method, a body
    over the size limit); Espelho's own code raises the classes above."""
    error = _BY_STATUS.get(status, EspelhoError)(message, headers=headers)
    error.status_code = status  # the framework's status stands, even for one without a class here
    return error


# ---- the envelope's shapes, as the OpenAPI schema documents them (espelho/openapi.py) ----------------


class ErrorInfo(BaseModel):
    message: str
    info: Any = Field(default=None, description="Facts about the error, e.g. the running `run_id` of a 409")


class ErrorOut(BaseModel):
    """The envelope of every error answer but 422 and the upstream failures."""

    error: str = Field(description="unauthorized, forbidden, not_found, conflict, payload_too_large, "
                                   "too_many_requests, …")
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
