"""One error hierarchy. Each class carries its HTTP status (and headers, when the status needs some);
the API renders every one of them as {"error", "detail"}. Code raises these, never an HTTPException."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class EspelhoError(Exception):
    status_code = 500
    error = "internal_error"

    def __init__(self, message: str, *, detail: Any = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.headers = dict(headers or {})


class BadRequest(EspelhoError):
    status_code = 400
    error = "bad_request"


class NotFound(EspelhoError):
    status_code = 404
    error = "not_found"


class MethodNotAllowed(EspelhoError):
    status_code = 405
    error = "method_not_allowed"


class InvalidInput(EspelhoError, ValueError):
    """Bad input. A ValueError too, so a Pydantic validator raising it gives a field-level 422."""

    status_code = 422
    error = "invalid_input"


class Conflict(EspelhoError):
    status_code = 409
    error = "conflict"


class Unauthorized(EspelhoError):
    status_code = 401
    error = "unauthorized"

    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message, detail=detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(EspelhoError):
    status_code = 403
    error = "forbidden"


class TooManyRequests(EspelhoError):
    status_code = 429
    error = "too_many_requests"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after_s)})


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


_BY_STATUS: dict[int, type[EspelhoError]] = {
    cls.status_code: cls for cls in (BadRequest, NotFound, MethodNotAllowed, Conflict, Forbidden)
}


def from_status(status: int, message: str, headers: Mapping[str, str] | None = None) -> EspelhoError:
    """The error for a status the web framework produced itself (an unknown path, a wrong method, a body
    it could not parse); Espelho's own code raises the classes above."""
    error = _BY_STATUS.get(status, EspelhoError)(message, headers=headers)
    error.status_code = status  # the framework's status stands, even for one without a class here
    return error
