"""Asking the app for a response without a network: how the service worker's precache is
rendered and hashed (server/offline.py) and how ``houvast export`` writes its files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message

_HOST = "in-process.invalid"


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


async def get(app: ASGIApp, state: Mapping[str, Any], path: str) -> Answer:
    """A GET request for ``path``, answered uncompressed. A redirect within the app (a static
    site's ``about/`` to ``about``) is followed."""
    for _ in range(3):
        answer = await _request(app, state, path)
        target = urlsplit(answer.headers.get("location", ""))
        if answer.status not in (301, 302, 303, 307, 308) or target.netloc not in ("", _HOST):
            break
        path = target.path
    return answer


async def _request(app: ASGIApp, state: Mapping[str, Any], path: str) -> Answer:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", _HOST.encode())],
        "client": ("127.0.0.1", 0),
        "server": (_HOST, 443),
        "state": dict(state),
    }
    status = 0
    headers: dict[str, str] = {}
    body = bytearray()

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            headers.update(
                (name.decode("latin-1").lower(), value.decode("latin-1"))
                for name, value in message.get("headers", [])
            )
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return Answer(status, headers, bytes(body))
