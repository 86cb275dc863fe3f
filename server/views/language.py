"""Choosing the language: the root redirect and the language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..i18n import DEFAULT_LOCALE, LOCALE_COOKIE, LOCALES, negotiate
from ..state import app_state
from ..urls import Page

_ONE_YEAR = 365 * 24 * 3600


async def root(request: Request) -> Response:
    """Send ``/`` to the remembered language, else the browser's preference, else Dutch.

    A static export has no server to ask: its start page lets the browser choose.
    """
    state = app_state(request)
    if state.urls.static_site:
        return state.templates.render("start.html", DEFAULT_LOCALE, page=Page("home"))
    remembered = request.cookies.get(LOCALE_COOKIE)
    if remembered in LOCALES:
        locale = remembered
    else:
        locale = negotiate(request.headers.get("accept-language"))
    response = RedirectResponse(state.urls.page(Page("home"), locale), status_code=302)
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Cache-Control"] = "no-cache"
    return response


async def switch_language(request: Request) -> Response:
    """Remember an explicit choice of language and show the same page in it.

    The target is always a path on this site under the chosen locale's home, so the switch
    cannot be used to redirect anywhere else.
    """
    locale = request.path_params["locale"]
    page = request.path_params["page"].lstrip("/")
    home = app_state(request).urls.page(Page("home"), locale)
    response = RedirectResponse(f"{home}{page}", status_code=303)
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=_ONE_YEAR,
        httponly=True,
        samesite="lax",
        secure=app_state(request).settings.secure_cookies,
    )
    return response
