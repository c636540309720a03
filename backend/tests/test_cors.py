"""CORS over HTTP: none by default; ESPELHO_CORS_ORIGINS lets exactly those origins call the API; no
wildcard together with credentials."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from espelho.config import Settings
from espelho.main import create_app

APP_ORIGIN = "https://espelho-web.example.com"
OTHER_ORIGIN = "https://evil.example.net"
PREFLIGHT = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}


@pytest.fixture
def cors_api(settings: Settings) -> Iterator[TestClient]:
    allowed = settings.model_copy(update={"cors_origins": [APP_ORIGIN, "http://localhost:5173"]})
    with TestClient(create_app(allowed)) as client:
        yield client


def test_no_cors_headers_by_default(anon_api: TestClient) -> None:
    preflight = anon_api.options("/api/v1/processos", headers={"Origin": APP_ORIGIN, **PREFLIGHT})
    assert "access-control-allow-origin" not in preflight.headers
    response = anon_api.get("/api/v1/health", headers={"Origin": APP_ORIGIN})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_a_listed_origin_passes_the_preflight(cors_api: TestClient) -> None:
    preflight = cors_api.options("/api/v1/processos", headers={"Origin": APP_ORIGIN, **PREFLIGHT})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in preflight.headers  # bearer tokens don't need it
    # The actual request, an error included, carries the header so the web app can read the answer.
    assert cors_api.get("/api/v1/health", headers={"Origin": APP_ORIGIN}).headers[
        "access-control-allow-origin"] == APP_ORIGIN
    unauthorized = cors_api.get("/api/v1/processos", headers={"Origin": APP_ORIGIN})
    assert unauthorized.status_code == 401
    assert unauthorized.headers["access-control-allow-origin"] == APP_ORIGIN


def test_another_origin_is_refused(cors_api: TestClient) -> None:
    preflight = cors_api.options("/api/v1/processos", headers={"Origin": OTHER_ORIGIN, **PREFLIGHT})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    response = cors_api.get("/api/v1/health", headers={"Origin": OTHER_ORIGIN})
    assert "access-control-allow-origin" not in response.headers


def test_origins_come_comma_separated_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESPELHO_CORS_ORIGINS", f"{APP_ORIGIN}/, http://localhost:5173")
    assert Settings(_env_file=None).cors_origins == [APP_ORIGIN, "http://localhost:5173"]  # type: ignore[call-arg]
    monkeypatch.delenv("ESPELHO_CORS_ORIGINS")
    assert Settings(_env_file=None).cors_origins == []  # type: ignore[call-arg]


def test_wildcard_with_credentials_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESPELHO_CORS_ORIGINS", "*")
    assert Settings(_env_file=None).cors_origins == ["*"]  # type: ignore[call-arg]  # fine without
    monkeypatch.setenv("ESPELHO_CORS_ALLOW_CREDENTIALS", "true")
    monkeypatch.setenv("ESPELHO_SECRET_KEY", "a-secret-that-must-not-be-echoed-0123456789")
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None)  # type: ignore[call-arg]
    message = str(raised.value)
    assert "ESPELHO_CORS_ORIGINS='*'" in message and "ESPELHO_CORS_ALLOW_CREDENTIALS" in message
    assert "must-not-be-echoed" not in message


@pytest.mark.parametrize("origin", ["https://app.example.com/web", "app.example.com", "ftp://app.example.com"])
def test_something_that_is_not_an_origin_is_refused(origin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESPELHO_CORS_ORIGINS", origin)
    with pytest.raises(ValidationError, match="is not an origin"):
        Settings(_env_file=None)  # type: ignore[call-arg]
