"""The client's pages and files served from bytes rendered once per release.

The client's pages are the same for every visitor, and the service worker's precache already
renders every one of them at start-up (server/offline.py). Those very responses are served
here: compressed once (gzip, at its best level), with an ETag, answering ``If-None-Match``
with 304, straight from memory before routing and the middleware, so a page costs about what
a static file server pays. Nothing is rendered a second way: a page the precache does not hold
(the reminders page, anything with a query string) goes through the app as before.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from .in_process import Answer
    from .urls import Urls

# Headers of a stored answer that are the server's business per request, not the page's.
_DROPPED = frozenset({"content-length", "content-encoding", "vary", "etag", "date", "server"})
_COMPRESSIBLE = ("text/", "application/json", "application/manifest+json", "image/svg+xml")


@dataclass(frozen=True)
class Prepared:
    """One response, ready to send: its headers (raw), its body, and the body gzipped."""

    etag: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    gzipped: bytes | None

    @classmethod
    def of(cls, answer: Answer) -> Prepared:
        etag = b'"' + hashlib.sha256(answer.body).hexdigest()[:24].encode() + b'"'
        headers = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in answer.headers.items()
            if name not in _DROPPED
        ]
        headers += [(b"etag", etag), (b"vary", b"Accept-Encoding")]
        gzipped = gzipped_once(answer.body, answer.headers.get("content-type", ""))
        return cls(etag, headers, answer.body, gzipped)


def gzipped_once(body: bytes, media_type: str) -> bytes | None:
    """``body`` gzipped at the best level, to be sent as it is every time; None for a type that
    does not compress (images but SVG) or when it would not be smaller."""
    if not media_type.startswith(_COMPRESSIBLE):
        return None
    # mtime 0: the same bytes on every instance and every start.
    packed = gzip.compress(body, compresslevel=9, mtime=0)
    return packed if len(packed) < len(body) else None


class Prerendered:
    """The rendered responses by the path the app answers them at."""

    def __init__(self, answers: Mapping[str, Answer], urls: Urls) -> None:
        self.responses = {
            urls.app_path(url): Prepared.of(answer)
            for url, answer in answers.items()
            if answer.status == 200
        }

    def get(self, path: str) -> Prepared | None:
        return self.responses.get(path)


def accepts_gzip(header: bytes) -> bool:
    """Whether an Accept-Encoding header allows gzip (``gzip;q=0`` forbids it, and an entry
    for gzip itself outweighs one for ``*``)."""
    qualities: dict[bytes, float] = {}
    for part in header.split(b","):
        coding, _, params = part.partition(b";")
        quality = 1.0
        for param in params.split(b";"):
            key, _, value = param.strip().partition(b"=")
            if key.lower() == b"q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        qualities.setdefault(coding.strip().lower(), quality)
    return qualities.get(b"gzip", qualities.get(b"*", 0.0)) > 0


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return b""


class PrerenderedMiddleware:
    """Answers GET and HEAD for a prerendered path from memory; everything else goes on to
    the app. The responses were rendered through the app's own middleware (security headers
    included), so they carry what the app would have sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            state = scope.get("state")
            prerendered: Prerendered | None = state.get("prerendered") if state else None
            found = prerendered.get(scope["path"]) if prerendered else None
            if found is not None and not scope.get("query_string"):
                await self._send(scope, found, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _send(scope: Scope, found: Prepared, send: Send) -> None:
        if found.etag in _header(scope, b"if-none-match"):
            start: Message = {
                "type": "http.response.start",
                "status": 304,
                "headers": [(b"etag", found.etag), (b"vary", b"Accept-Encoding")],
            }
            await send(start)
            await send({"type": "http.response.body", "body": b""})
            return
        body, headers = found.body, list(found.headers)
        if found.gzipped is not None and accepts_gzip(_header(scope, b"accept-encoding")):
            body = found.gzipped
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
