"""Error pages in the person's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..i18n import DEFAULT_LOCALE
from ..security import security_headers
from ..state import app_state
from ..urls import Page


async def not_found(request: Request, exc: Exception) -> Response:
    """The 404 page, in the language of the path (Dutch when it has none)."""
    state = app_state(request)
    homes = state.urls.homes()
    locale = next(
        (locale for locale, home in homes.items() if request.url.path.startswith(home)),
        DEFAULT_LOCALE,
    )
    return state.templates.render("404.html", locale, page=Page("home"), status_code=404)


async def http_error(request: Request, exc: Exception) -> Response:
    """Other HTTP errors (405 and the like) as short plain text."""
    assert isinstance(exc, HTTPException)
    return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)


def server_error(*, hsts: bool) -> Callable[[Request, Exception], Awaitable[Response]]:
    """The handler for a programmer's mistake met at run time: a short 500 (the traceback
    goes to the log), with the same security headers as every other response. Starlette
    sends it from outside the middleware, so the headers are added here."""
    headers = security_headers(hsts=hsts)

    async def handler(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("Internal Server Error", status_code=500, headers=headers)

    return handler
