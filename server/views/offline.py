"""The service worker and the manifests, served from the site's root with no caching, so a
browser always checks for a new version."""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.responses import Response

from ..assets import IMMUTABLE
from ..bundles import BUNDLE_TYPE
from ..prerendered import accepts_gzip
from ..state import app_state

NO_CACHE = {"Cache-Control": "no-cache"}


async def service_worker(request: Request) -> Response:
    return Response(
        app_state(request).offline.service_worker,
        media_type="text/javascript",
        headers=NO_CACHE,
    )


async def service_worker_map(request: Request) -> Response:
    """The worker's source map, for a browser's developer tools (none without esbuild)."""
    found = app_state(request).offline.worker_map
    if found is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    return Response(found, media_type="application/json", headers=NO_CACHE)


async def manifest(request: Request) -> Response:
    body = app_state(request).manifests[request.path_params["locale"]]
    return Response(body, media_type="application/manifest+json", headers=NO_CACHE)


async def bundle(request: Request) -> Response:
    """What the service worker stores, in one bundle (server/offline.py); the version in
    the URL never serves another version's bytes, so it may be cached for good. Another
    release's bundles come from the database (server/releases.py)."""
    offline = app_state(request).offline
    found = offline.bundles.get(request.path_params["part"])
    if request.path_params["version"] != offline.version or found is None:
        return await _other_release(request)
    return _immutable(request, found, offline.gzipped[request.path_params["part"]], BUNDLE_TYPE)


async def static_file(request: Request) -> Response:
    """A file under pwa/, at this release's hashed URL or, from the database, another's."""
    response = await app_state(request).assets.serve(request)
    if response.status_code == 404:
        return await _other_release(request)
    return response


async def _other_release(request: Request) -> Response:
    """A hashed file of another release kept in the shared database, or not found."""
    releases = app_state(request).releases
    found = await anyio.to_thread.run_sync(releases.find, request.url.path) if releases else None
    if found is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    return _immutable(request, found.body, found.gzipped, found.media_type)


def _immutable(request: Request, body: bytes, gzipped: bytes | None, media_type: str) -> Response:
    """A file under a hashed URL, gzipped once beforehand where it compresses: sent so to a
    browser that takes gzip (GZipMiddleware passes an encoded response on as it is, and adds
    Vary to one it leaves plain)."""
    headers = {"Cache-Control": IMMUTABLE}
    if gzipped is not None and accepts_gzip(
        request.headers.get("accept-encoding", "").encode("latin-1")
    ):
        body = gzipped
        headers |= {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(body, media_type=media_type, headers=headers)
