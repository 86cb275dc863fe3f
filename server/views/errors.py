"""Error pages in the person's language."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..i18n import DEFAULT_LOCALE, LOCALES
from ..state import app_state


async def not_found(request: Request, exc: Exception) -> Response:
    """The 404 page, in the language of the path's prefix (Dutch when there is none)."""
    first = request.url.path.strip("/").split("/", 1)[0]
    locale = first if first in LOCALES else DEFAULT_LOCALE
    templates = app_state(request).templates
    return templates.render(request, "404.html", locale, page="", status_code=404)


async def http_error(request: Request, exc: Exception) -> Response:
    """Other HTTP errors (405 and the like) as short plain text."""
    assert isinstance(exc, HTTPException)
    return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)
