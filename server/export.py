"""``houvast export``: the client app as static files for any static host.

Every page is rendered by the app itself (in process, through ASGI), with links for a static
site under a base path: ``nl/about/index.html`` served at ``<base>nl/about/``. The service
worker and the manifests are generated for that base, so the export works offline after the
first visit, at the root of a host or under a sub-path.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from .app import create_app
from .i18n import LOCALES
from .offline import client_pages, manifest_path
from .settings import Settings
from .templating import SiteLinks

_BASE_PATH = re.compile(r"^/(?:[A-Za-z0-9._~-]+/)*$")


class ExportError(ValueError):
    """The export cannot be written as asked."""


def normalise_base_path(base_path: str) -> str:
    """``houvast/`` and ``/houvast`` both mean ``/houvast/``; refuse anything that is no path."""
    path = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    if not _BASE_PATH.match(path):
        raise ExportError(f"--base-path {base_path!r} is not a plain URL path like /houvast/")
    return path


async def _get(app: Starlette, state: dict[str, Any], path: str) -> tuple[int, bytes]:
    """One GET request to the app, without a network."""
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
        "headers": [(b"host", b"export.invalid")],
        "client": ("127.0.0.1", 0),
        "server": ("export.invalid", 443),
        "state": dict(state),
    }
    status = 0
    body = bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return status, bytes(body)


async def _export(settings: Settings, directory: Path, base_path: str) -> list[Path]:
    app = create_app(settings, links=SiteLinks(base=base_path, static_site=True))
    written: list[Path] = []

    async def write(url: str, target: Path, expect: int = 200) -> None:
        status, body = await _get(app, state, url)
        if status != expect:
            raise ExportError(f"{url} answered {status}, expected {expect}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        written.append(target)

    async with app.router.lifespan_context(app) as state:
        exercises = state["exercises"]
        for locale in LOCALES:
            for page in client_pages(exercises):
                await write(f"/{locale}/{page}", directory / locale / page / "index.html")
            await write(f"/{manifest_path(locale)}", directory / manifest_path(locale))
            await write(f"/{locale}/app.json", directory / locale / "app.json")
        await write("/", directory / "index.html")
        await write("/sw.js", directory / "sw.js")
        await write("/nl/page-not-found", directory / "404.html", expect=404)
        assets = state["assets"]
        for name, asset in sorted(assets.files.items()):
            target = directory / assets.path(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(asset.body)
            written.append(target)
    return written


def export_site(settings: Settings, directory: Path, base_path: str = "/") -> list[Path]:
    """Write the static client app into ``directory``; return the files written."""
    base = normalise_base_path(base_path)
    if directory.exists() and any(directory.iterdir()):
        raise ExportError(f"{directory} is not empty; export into a new or empty folder")
    directory.mkdir(parents=True, exist_ok=True)
    # The app runs in its own event loop; a caller that already runs one (a notebook, a test
    # driving a browser) gets it in a thread, where asyncio.run is allowed.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _export(settings, directory, base)).result()
