"""One error hierarchy. Each class carries its HTTP status; the API renders {"error", "detail"}."""

from __future__ import annotations

from typing import Any


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
    400: "bad_request",
    401: Unauthorized.error,
    403: Forbidden.error,
    404: NotFound.error,
    405: "method_not_allowed",
    409: Conflict.error,
    413: "payload_too_large",
    422: InvalidInput.error,
    429: "rate_limited",
}
