"""HTTP nits of issue 20 (N10): HEAD answers like GET without a body, /metrics/ is served (no redirect),
a method no route of a path takes is a 405 whose Allow names every route's methods (a fixed path is not
read as another route's parameter), and the OpenAPI documents the competência and ordering formats."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_head_is_get_without_a_body(api: TestClient) -> None:
    get = api.get("/api/v1/processos", params={"page_size": 1})
    head = api.head("/api/v1/processos", params={"page_size": 1})
    assert head.status_code == get.status_code == 200
    assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]
    assert api.head("/api/v1/health").status_code == 200


def test_metrics_with_a_trailing_slash_is_served_not_redirected(anon_api: TestClient) -> None:
    plain, slashed = anon_api.get("/metrics"), anon_api.get("/metrics/", follow_redirects=False)
    assert slashed.status_code == plain.status_code
    assert "location" not in slashed.headers


def test_a_405_names_every_method_of_the_path(api: TestClient) -> None:
    # A fixed POST-only route is not /api/contratos/{id}/ with id "sync" (that was a 422).
    for path in ("/api/contratos/sync/", "/api/contratos/sync"):
        answer = api.get(path)
        assert answer.status_code == 405, answer.text
        assert answer.headers["allow"] == "POST" and answer.json()["error"] == "method_not_allowed"
    # GET, PATCH and DELETE of /usuarios/{id}/ are three routes: the Allow names all of them.
    answer = api.post("/api/v1/usuarios/1/", json={})
    assert answer.status_code == 405
    assert answer.headers["allow"] == "DELETE, GET, HEAD, PATCH"
    assert api.put("/api/v1/health").headers["allow"] == "GET, HEAD"


def test_the_openapi_documents_competencia_and_ordering(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    parameters = {p["name"]: p for p in paths["/api/v1/processos/"]["get"]["parameters"]}
    competencia = parameters["competencia"]["schema"]["anyOf"][0]
    assert competencia["pattern"] and "10/2026" in competencia["examples"]
    ordering = parameters["ordering"]["schema"]
    assert "proc_id" in ordering["pattern"] and ordering["pattern"].startswith("^[-+]?(")
    empresas = {p["name"]: p for p in paths["/api/v1/empresas/"]["get"]["parameters"]}
    assert "codigo" in empresas["ordering"]["schema"]["pattern"]


def test_a_nul_byte_in_a_filter_is_a_422_not_a_driver_error(api: TestClient) -> None:
    # PostgreSQL text cannot hold NUL: the filter would fail in the driver (schemathesis found it).
    for url in ("/api/v1/empresas?regime=r%00x&formato=csv", "/api/v1/processos?q=a%00"):
        answer = api.get(url)
        assert answer.status_code == 422, (url, answer.text)
        assert answer.json()["error"] == "invalid_input"
        assert answer.json()["detail"][0]["field"] == "query"
    assert api.get("/api/v1/empresas?regime=Simples%20Nacional").status_code == 200
