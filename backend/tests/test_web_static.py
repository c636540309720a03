"""The built web app over HTTP: hashed assets compressed and cached for a year, index.html revalidated."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from espelho.config import Settings
from espelho.main import create_app

SCRIPT = "export const linhas = [" + ",".join(f'"processo {i}"' for i in range(400)) + "];\n"


@pytest.fixture
def web(settings: Settings, tmp_path: Path) -> TestClient:
    (tmp_path / "assets").mkdir()
    page = "<!doctype html><title>Espelho</title>" + "<!-- -->" * 100
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    (tmp_path / "assets" / "index-Dx9aB3cZ.js").write_text(SCRIPT, encoding="utf-8")
    (tmp_path / "assets" / "logo-Q1w2E3r4.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2048))
    return TestClient(create_app(settings.model_copy(update={"web_dist_dir": str(tmp_path)})))


def raw_get(client: TestClient, path: str, **headers: str) -> tuple[httpx.Response, bytes]:
    """The answer and its body as sent on the wire (not decoded), like a browser's network panel shows it."""
    with client.stream("GET", path, headers=headers) as response:
        return response, b"".join(response.iter_raw())


def test_a_hashed_asset_is_gzip_compressed_and_immutable(web: TestClient) -> None:
    with web:
        response, wire = raw_get(web, "/assets/index-Dx9aB3cZ.js", **{"Accept-Encoding": "gzip, deflate, br"})
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-type"].startswith(("text/javascript", "application/javascript"))
        assert "accept-encoding" in response.headers["vary"].lower()
        assert len(wire) < len(SCRIPT) // 3 and gzip.decompress(wire).decode() == SCRIPT
        # Asked again with its ETag: nothing to send.
        again, _ = raw_get(web, "/assets/index-Dx9aB3cZ.js", **{"Accept-Encoding": "gzip",
                                                             "If-None-Match": response.headers["etag"]})
        assert again.status_code == 304


def test_without_gzip_the_file_goes_as_it_is(web: TestClient) -> None:
    with web:
        response = web.get("/assets/index-Dx9aB3cZ.js", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in response.headers
        assert response.text == SCRIPT
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        image = web.get("/assets/logo-Q1w2E3r4.png", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in image.headers  # already compressed formats are not gzipped again


def test_index_html_and_client_routes_are_revalidated(web: TestClient) -> None:
    with web:
        for path in ("/", "/processos/12", "/index.html"):
            response = web.get(path, headers={"Accept-Encoding": "gzip"})
            assert response.status_code == 200 and response.text.startswith("<!doctype html>")
            assert response.headers["cache-control"] == "no-cache", path
        assert web.get("/api/v1/nada").headers["content-type"] == "application/json"  # the API's, not the app
