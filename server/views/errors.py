"""Error pages in the person's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Scope

from ..i18n import DEFAULT_LOCALE
from ..security import security_headers
from ..state import app_state
from ..urls import Page

# How a catch-all route's path ends (the therapist side's "not found"): only this spelling is
# known to serve nothing by itself (_served).
CATCH_ALL = "{rest:path}"


async def not_found(request: Request, exc: Exception) -> Response:
    """The 404 page, in the language of the path (Dutch when it has none); a page asked for
    with a slash too many or too few leads to it instead."""
    if (page := with_other_slash(request)) is not None:
        return RedirectResponse(page, status_code=307)
    state = app_state(request)
    homes = state.urls.homes()
    locale = next(
        (locale for locale, home in homes.items() if request.url.path.startswith(home)),
        DEFAULT_LOCALE,
    )
    return state.templates.render("404.html", locale, page=Page("home"), status_code=404)


def with_other_slash(request: Request) -> str | None:
    """The address of the page ``request`` meant with its path's trailing slash added or taken
    away, if a route serves it: relative, so never built from the request's Host header
    (Starlette's own redirect_slashes builds it from Host, and is turned off in create_app)."""
    path = request.url.path
    if request.method not in ("GET", "HEAD") or path == "/":
        return None
    other = path.rstrip("/") if path.endswith("/") else f"{path}/"
    # A mount that found nothing has set its own root path in the scope; the app's is kept.
    root = request.scope.get("app_root_path", request.scope.get("root_path", ""))
    routes = request.app.router.routes
    # A view that was found and said "not found" (an unknown exercise) meant it: no redirect,
    # which a route matching both forms would otherwise answer back and forth.
    if _served(routes, {**request.scope, "root_path": root}):
        return None
    scope = {**request.scope, "path": other, "raw_path": other.encode(), "root_path": root}
    if not other or not _served(routes, scope):
        return None
    query = request.url.query
    return other + (f"?{query}" if query else "")


def _served(routes: Sequence[BaseRoute], scope: Scope) -> bool:
    """Whether an endpoint among ``routes`` (through their mounts) answers ``scope``. A
    catch-all (a path ending in ``{rest:path}``) only says "not found" in its own way: it
    serves nothing."""
    for route in routes:
        if isinstance(route, Route) and route.path.endswith(CATCH_ALL):
            continue
        match, child = route.matches(scope)
        if match is not Match.FULL:
            continue
        if not isinstance(route, Mount):
            return True
        if _served(route.routes, {**scope, **child}):
            return True
    return False


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
