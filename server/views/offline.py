"""The service worker and the manifests, served from the site's root with no caching, so a
browser always checks for a new version."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..state import app_state

NO_CACHE = {"Cache-Control": "no-cache"}


async def service_worker(request: Request) -> Response:
    return Response(
        app_state(request).offline.service_worker,
        media_type="text/javascript",
        headers=NO_CACHE,
    )


async def manifest(request: Request) -> Response:
    body = app_state(request).manifests[request.path_params["locale"]]
    return Response(body, media_type="application/manifest+json", headers=NO_CACHE)
