"""Cross-cutting robustness through HTTP: bad bodies, secrets in logs, body size, bounded integers."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi.testclient import TestClient

from espelho.config import Settings
from espelho.logging_setup import configure_logging, get_logger

SECRET = "Form-Secret-Passw0rd"


@pytest.mark.parametrize(
    ("method", "path", "as_admin"),
    [("POST", "/api/v1/auth/login", False), ("POST", "/api/v1/usuarios/", True),
     ("PATCH", "/api/v1/usuarios/1", True)],
)
def test_a_form_encoded_body_is_a_4xx_and_its_password_goes_nowhere(
    api: TestClient, anon_api: TestClient, capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture, method: str, path: str, as_admin: bool,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = api if as_admin else anon_api
    response = client.request(method, path, data={"email": "a@example.com", "password": SECRET})
    assert 400 <= response.status_code < 500, response.text
    body = response.json()
    assert set(body) == {"error", "detail"} and body["error"] == "invalid_input"
    assert "JSON" in str(body["detail"])
    assert SECRET not in response.text
    captured = capfd.readouterr()
    assert SECRET not in captured.out + captured.err + caplog.text


@pytest.mark.parametrize(
    "content",
    [b'{"email": "a@example.com", "password": NaN}', b'{"email": 1e999, "password": "x"}', b"\xff\xfe",
     b"[1, 2", b"o5\x7f\xff\xfe<\xd3\xa7P"],
)
def test_odd_json_bodies_are_422_in_the_envelope(anon_api: TestClient, content: bytes) -> None:
    response = anon_api.post("/api/v1/auth/login", content=content,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_input"


def test_secrets_are_echoed_by_no_validation_error(anon_api: TestClient) -> None:
    response = anon_api.post("/api/v1/auth/login", json={"email": ["x"], "password": SECRET * 100})
    assert response.status_code == 422 and SECRET not in response.text


def test_log_lines_never_carry_secret_keys(capfd: pytest.CaptureFixture[str]) -> None:
    for json_lines in (False, True):
        configure_logging("INFO", json=json_lines)
        get_logger("test").info("event", password=SECRET, request={"headers": {"Authorization": SECRET}},
                                senha=SECRET, items=[{"access_token": SECRET}], client_secret=SECRET,
                                kept="visible")
        err = capfd.readouterr().err
        assert "visible" in err and SECRET not in err


def test_a_2_mb_body_is_refused_with_413_before_it_is_read(anon_api: TestClient, api: TestClient) -> None:
    big = b'{"email": "a@example.com", "password": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    declared = anon_api.post("/api/v1/auth/login", content=big, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413, declared.text[:200]
    assert declared.json()["error"] == "payload_too_large"
    # Streamed without a Content-Length: counted as it arrives.
    chunks = (big[i:i + 65536] for i in range(0, len(big), 65536))
    streamed = anon_api.post("/api/v1/auth/login", content=chunks,
                             headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["error"] == "payload_too_large"
    # A route that reads no body does not run either.
    assert api.post("/api/contratos/sync/?uasg=160001", content=big).status_code == 413
    assert api.get("/api/v1/sync/history").json()["total"] == 0
    # Under the cap, nothing changes.
    assert anon_api.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x" * 1000}
                         ).status_code == 401


INT32, INT64 = 2**31 - 1, 2**63 - 1  # INTEGER on PostgreSQL (the mirror's ids); BIGINT (upstream ids)
ID_ROUTES = [
    ("GET", "/api/v1/usuarios/{}", INT32), ("PATCH", "/api/v1/usuarios/{}", INT32),
    ("DELETE", "/api/v1/usuarios/{}", INT32), ("GET", "/api/v1/processos/{}", INT32),
    ("GET", "/api/v1/processos/{}/passos", INT32), ("GET", "/api/v1/processos/{}/desdobramentos", INT32),
    ("GET", "/api/v1/processos/empresa/{}", INT32), ("GET", "/api/v1/empresas/{}", INT32),
    ("GET", "/api/v1/empresas/{}/processos", INT32), ("GET", "/api/contratos/{}", INT64),
    ("POST", "/api/contratos/{}/sincronizar", INT64),
    ("POST", "/api/contratos/{}/sincronizar/empenhos", INT64),
    ("GET", "/api/contratos/itens/?contrato={}", INT64),
]
PAGED_ROUTES = [
    "/api/v1/processos", "/api/v1/empresas", "/api/v1/obrigacoes", "/api/v1/usuarios", "/api/v1/sync/history",
    "/api/v1/processos/competencia/01-2026", "/api/v1/obrigacoes/vencimento/2026-01-10",
    "/api/contratos/", "/api/contratos/vencidos", "/api/contratos/ativos", "/api/contratos/proximos_vencer",
    "/api/contratos/historico", "/api/contratos/empenhos",
]


def test_ids_and_pages_past_their_columns_range_are_422_not_500(api: TestClient) -> None:
    for method, path, largest in ID_ROUTES:
        for value, expected in ((largest + 1, 422), (2**63, 422), (largest, 404), (0, 422), (-1, 422)):
            response = api.request(method, path.format(value), json={} if method == "PATCH" else None)
            assert response.status_code == expected, (method, path, value, response.text)
            assert response.json()["error"] in ("invalid_input", "not_found")
    for path in PAGED_ROUTES:
        assert api.get(path, params={"page": 2**63}).status_code == 422, path
        last = api.get(path, params={"page": INT64 // 500, "page_size": 500})
        assert last.status_code == 200 and last.json()["items"] == [], (path, last.text)


def test_numeric_search_texts_never_overflow(api: TestClient) -> None:
    for path in ("/api/v1/processos", "/api/v1/empresas"):
        for q in (str(2**63), str(INT64), "9" * 200, "²", "٣"):
            assert api.get(path, params={"q": q}).status_code == 200, (path, q)
    for empresa in ("²", str(INT32 + 1)):
        assert api.get("/api/v1/processos", params={"empresa": empresa}).status_code == 422


def test_x_forwarded_for_is_believed_only_from_trusted_proxies(settings: Settings) -> None:
    """Spoofed X-Forwarded-For headers must not spread one client's failed logins over many addresses."""
    from espelho.auth.security import LoginThrottle
    from espelho.cli import proxy_options
    from espelho.main import create_app
    from tests.helpers import free_port, serve_in_thread

    for trusted, last in (([], 429), (["127.0.0.1"], 401)):
        app_settings = settings.model_copy(update={"trusted_proxies": trusted, "login_max_failures": 1})
        with serve_in_thread(create_app(app_settings), free_port(), **proxy_options(app_settings)) as base:
            for i in range(LoginThrottle.ADDRESS_FACTOR + 1):
                response = httpx.post(f"{base}/api/v1/auth/login",
                                      headers={"X-Forwarded-For": f"203.0.113.{i}"},
                                      json={"email": f"x{i}@example.com", "password": "wrong"})
        assert response.status_code == last, (trusted, response.text)


def test_serve_takes_its_proxies_from_the_setting(settings: Settings,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import uvicorn
    from typer.testing import CliRunner

    from espelho.cli import app
    from tests.conftest import settings_env

    seen: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.append(kwargs))
    for proxies in ("", "10.0.0.1, 10.0.1.0/24"):
        env = {**os.environ, **settings_env(settings), "ESPELHO_TRUSTED_PROXIES": proxies}
        assert CliRunner().invoke(app, ["serve"], env=env).exit_code == 0
    assert [(s["proxy_headers"], s["forwarded_allow_ips"]) for s in seen] == [
        (False, None), (True, ["10.0.0.1", "10.0.1.0/24"])]
