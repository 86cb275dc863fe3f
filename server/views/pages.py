"""The client's pages: home, exercises, about, help, settings, history, reminders. Server-rendered,
readable without script."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..client_strings import REMINDER_STRINGS, app_data, translated_strings
from ..i18n import Catalogs


def _locale(request: Request) -> str:
    """The locale in the path (the route only matches shipped ones)."""
    return str(request.path_params["locale"])


def _gettext(request: Request, locale: str) -> Callable[[str], str]:
    catalogs: Catalogs = request.state.catalogs
    return partial(catalogs.gettext, locale)


async def home(request: Request) -> Response:
    locale = _locale(request)
    gettext = _gettext(request, locale)
    exercises = [exercise.localized(gettext) for exercise in request.state.exercises.values()]
    return request.state.templates.render(
        request, "home.html", locale, {"exercises": exercises}, page=""
    )


async def exercise(request: Request) -> Response:
    """What the exercise is for, how long it takes and all its steps; pwa/js/player.js turns
    the page into the player. Without script the steps can be read one by one."""
    locale = _locale(request)
    found = request.state.exercises.get(request.path_params["exercise_id"])
    if found is None:
        raise HTTPException(status_code=404)
    return request.state.templates.render(
        request,
        "exercise.html",
        locale,
        {"exercise": found.localized(_gettext(request, locale))},
        page=f"exercises/{found.id}",
    )


def template_page(name: str) -> Callable[[Request], Awaitable[Response]]:
    """A page that is its template and nothing more: about, help, and the settings and history
    pages whose content pwa/js/settings.js and pwa/js/history.js fill in on the device."""

    async def endpoint(request: Request) -> Response:
        return request.state.templates.render(request, f"{name}.html", _locale(request), page=name)

    return endpoint


async def reminders_page(request: Request) -> Response:
    """Reminders to practise: push notifications, or a calendar; pwa/js/online/reminders.js."""
    locale = _locale(request)
    strings = translated_strings(_gettext(request, locale), REMINDER_STRINGS)
    return request.state.templates.render(
        request, "reminders.html", locale, {"page_strings": strings}, page="reminders"
    )


async def app_json(request: Request) -> Response:
    """The strings and exercise timings the scripts share, for one language."""
    locale = _locale(request)
    data = app_data(request.state.exercises.values(), _gettext(request, locale))
    return JSONResponse(data, headers={"Cache-Control": "no-cache"})


async def offline_page(request: Request) -> Response:
    """What the service worker shows for a page it never stored, when there is no network."""
    locale = _locale(request)
    return request.state.templates.render(request, "offline.html", locale, page="offline")
