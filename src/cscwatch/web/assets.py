"""Static files served from memory: gzipped once, versioned URLs, a year's cache lifetime, HEAD too.

Every file under ``static/`` is read at start, hashed and gzipped (level 9, once). Pages link to
``/static/<file>?v=<hash>`` (:meth:`Assets.url`), so browsers may keep a file for a year: a new
release changes the hash and so the URL.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

LONG_CACHE = "public, max-age=31536000, immutable"
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml",
         ".json": "application/json", ".ico": "image/x-icon", ".png": "image/png", ".woff2": "font/woff2",
         ".md": "text/plain; charset=utf-8"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    version: str


class Assets:
    def __init__(self, folder: Path):
        self.files: dict[str, Asset] = {}
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            body = path.read_bytes()
            media = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            packed = gzip.compress(body, 9, mtime=0) if media.startswith(("text/", "image/svg", "application/json")) \
                and len(body) > 1024 else None
            self.files[path.relative_to(folder).as_posix()] = Asset(
                body, packed if packed and len(packed) < len(body) else None, media,
                hashlib.sha256(body).hexdigest()[:12])

    def url(self, name: str) -> str:
        return f"/static/{name}?v={self.files[name].version}"

    def response(self, request: Request, name: str) -> Response:
        asset = self.files.get(name)
        if asset is None:
            from starlette.exceptions import HTTPException

            raise HTTPException(404)
        etag = f'"{asset.version}"'
        headers = {"cache-control": LONG_CACHE, "etag": etag, "vary": "accept-encoding"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            body, headers["content-encoding"] = asset.gzipped, "gzip"
        headers["content-length"] = str(len(body))
        return Response(b"" if request.method == "HEAD" else body, media_type=asset.media_type, headers=headers)

    def js_bytes(self, names: list[str]) -> int:
        return sum(len(self.files[n].body) for n in names)
