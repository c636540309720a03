"""Cross-cutting robustness through HTTP: bad bodies, secrets in logs, body size, bounded integers."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

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
     b"[1, 2"],
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
