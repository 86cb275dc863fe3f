"""The client's pages: home, an exercise, about, help. Server-rendered, readable without script."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ..client_strings import translated_strings
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


def _exercise_page(request: Request, template: str, suffix: str = "") -> Response:
    locale = _locale(request)
    found = request.state.exercises.get(request.path_params["exercise_id"])
    if found is None:
        raise HTTPException(status_code=404)
    gettext = _gettext(request, locale)
    return request.state.templates.render(
        request,
        template,
        locale,
        {"exercise": found.localized(gettext), "strings": translated_strings(gettext)},
        page=f"exercises/{found.id}{suffix}",
    )


async def exercise(request: Request) -> Response:
    """What the exercise is for, how long it takes and an overview of its steps."""
    return _exercise_page(request, "exercise.html")


async def play(request: Request) -> Response:
    """The exercise to do: every step's text in order, usable without script."""
    return _exercise_page(request, "play.html", "/play")


async def about(request: Request) -> Response:
    locale = _locale(request)
    return request.state.templates.render(request, "about.html", locale, page="about")


async def help_page(request: Request) -> Response:
    locale = _locale(request)
    return request.state.templates.render(request, "help.html", locale, page="help")


async def settings_page(request: Request) -> Response:
    """Pace, timings per exercise, sound, vibration, voice, ratings and motion; kept on the
    device by pwa/js/settings.js."""
    locale = _locale(request)
    gettext = _gettext(request, locale)
    exercises = [
        {
            "id": exercise.id,
            "title": gettext(exercise.title),
            "timings": [
                {"key": key, "step": gettext(step.title), "field": field, "bounds": bounds}
                for key, step, field, bounds in exercise.adjustable()
            ],
        }
        for exercise in request.state.exercises.values()
    ]
    return request.state.templates.render(
        request,
        "settings.html",
        locale,
        {"exercises": exercises, "strings": translated_strings(gettext)},
        page="settings",
    )


async def history_page(request: Request) -> Response:
    """The runs kept on this device; pwa/js/history.js reads and draws them."""
    locale = _locale(request)
    gettext = _gettext(request, locale)
    titles = {eid: gettext(e.title) for eid, e in request.state.exercises.items()}
    return request.state.templates.render(
        request,
        "history.html",
        locale,
        {"titles": titles, "strings": translated_strings(gettext)},
        page="history",
    )


async def offline_page(request: Request) -> Response:
    """What the service worker shows for a page it never stored, when there is no network."""
    locale = _locale(request)
    return request.state.templates.render(request, "offline.html", locale, page="offline")
