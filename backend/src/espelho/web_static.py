"""How the built web app's files are served: compressed, and cached by what their names promise.

Vite names every file under `assets/` after a hash of its content, so a browser may keep it for a year
without asking again (`immutable`); `index.html` and the other files keep their names across releases, so
a browser revalidates them every time (`no-cache`, answered 304 by their ETag). Text files go gzip-compressed
to a client that accepts it, compressed once per file version and kept in memory.
"""

from __future__ import annotations

import gzip
import mimetypes
from functools import lru_cache
from pathlib import Path

from fastapi import Request, Response
from fastapi.responses import FileResponse

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HASHED_DIR = "assets"
_COMPRESSIBLE = {".js", ".mjs", ".css", ".html", ".svg", ".json", ".map", ".txt", ".webmanifest", ".xml"}
# Below this, the gzip header and a round of inflate cost more than they save.
_MIN_COMPRESS_BYTES = 512


@lru_cache(maxsize=256)
def _gzipped(path: Path, _version: tuple[int, int]) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)


def _accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*") and params.replace(" ", "") not in ("q=0", "q=0.0"):
            return True
    return False


def static_response(request: Request, file: Path, relative: str) -> Response:
    """`file` (at `relative` under the web app's root) with its cache policy, gzip-compressed if it helps."""
    headers = {
        "Cache-Control": IMMUTABLE if relative.startswith(f"{HASHED_DIR}/") else REVALIDATE,
        "Vary": "Accept-Encoding",
    }
    stat = file.stat()
    compressible = file.suffix.lower() in _COMPRESSIBLE and stat.st_size >= _MIN_COMPRESS_BYTES
    if compressible and _accepts_gzip(request):
        media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if media_type.startswith("text/") or media_type == "application/javascript":
            media_type += "; charset=utf-8"
        body = _gzipped(file, (stat.st_mtime_ns, stat.st_size))
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}-gz"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={**headers, "ETag": etag})
        return Response(body, media_type=media_type,
                        headers={**headers, "Content-Encoding": "gzip", "ETag": etag})
    return FileResponse(file, headers=headers)
