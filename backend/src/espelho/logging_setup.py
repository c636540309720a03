"""Structured logs (structlog): key=value on a terminal, JSON lines with ESPELHO_LOG_JSON=true."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

# A key naming any of these holds a secret: its value is never logged, nor echoed in an error answer.
SECRET_KEY_PARTS = ("password", "senha", "token", "secret", "authorization")
REDACTED = "***"


def is_secret_key(key: object) -> bool:
    name = str(key).lower()
    return any(part in name for part in SECRET_KEY_PARTS)


def redact(value: Any) -> Any:
    """`value` with the value of every secret-named key replaced by REDACTED, at any depth."""
    if isinstance(value, Mapping):
        return {k: REDACTED if is_secret_key(k) else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def _redact_secrets(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Mapping[str, Any]:
    return redact(event_dict)


class _CurrentStderr:
    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


class _CurrentStderrLoggerFactory:
    def __call__(self, *args: object) -> structlog.PrintLogger:
        return structlog.PrintLogger(file=_CurrentStderr())  # type: ignore[arg-type]


def configure_logging(level: str = "INFO", json: bool = False) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _redact_secrets,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        # stderr keeps stdout clean for `--json` output of the CLI; it is looked up per message
        # because test runners and daemons replace sys.stderr after start-up.
        logger_factory=_CurrentStderrLoggerFactory(),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
