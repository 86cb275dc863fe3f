"""The client's pages: home, exercises, about, help, settings, history, reminders. Server-rendered,
readable without script."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..client_strings import (
    MAKE_SET_STRINGS,
    PLAN_STRINGS,
    REMINDER_STRINGS,
    SET_STRINGS,
    app_data,
    exercise_choices,
    translated_strings,
)
from ..exercises.model import CATEGORIES
from ..i18n import LOCALES
from ..rules import SetLimits
from ..state import app_state
from ..urls import Page


def _locale(request: Request) -> str:
    """The locale in the path (the route only matches shipped ones)."""
    return str(request.path_params["locale"])


async def home(request: Request) -> Response:
    """Every exercise, in sections by category, so twelve stay easy to scan."""
    state = app_state(request)
    locale = _locale(request)
    language = state.catalogs.language(locale)
    sections = [
        {
            "id": category,
            "heading": language.gettext(heading),
            "exercises": [
                exercise.localized(language)
                for exercise in state.exercises.values()
                if exercise.category == category
            ],
        }
        for category, heading in CATEGORIES.items()
    ]
    return state.templates.render(
        "home.html",
        locale,
        {"sections": [section for section in sections if section["exercises"]]},
        page=Page("home"),
    )


async def exercise(request: Request) -> Response:
    """What the exercise is for, how long it takes and all its steps; pwa/js/player.js turns
    the page into the player with the exercise's data (one JSON document in the page).
    Without script the steps can be read one by one."""
    state = app_state(request)
    locale = _locale(request)
    found = state.exercises.get(request.path_params["exercise_id"])
    if found is None:
        raise HTTPException(status_code=404)
    language = state.catalogs.language(locale)
    return state.templates.render(
        "exercise.html",
        locale,
        {"exercise": found.localized(language), "player_data": found.player_data(language)},
        page=Page.of("exercise", exercise_id=found.id),
    )


def template_page(name: str) -> Callable[[Request], Awaitable[Response]]:
    """A page that is its template and nothing more: about, help, offline, and the history
    page whose content pwa/js/history.js fills in on the device. The route's name is the
    template's."""

    async def endpoint(request: Request) -> Response:
        return app_state(request).templates.render(
            f"{name}.html", _locale(request), page=Page(name)
        )

    return endpoint


async def settings_page(request: Request) -> Response:
    """The person's settings; pwa/js/settings.js fills in what this device keeps, builds each
    exercise's timing fields inside its (closed) section, and checks what is saved."""
    state = app_state(request)
    locale = _locale(request)
    language = state.catalogs.language(locale)
    exercises = [
        {"id": exercise.id, "title": language.gettext(exercise.title)}
        for exercise in state.exercises.values()
        if any(exercise.adjustable("person"))
    ]
    return state.templates.render(
        "settings.html", locale, {"exercises": exercises}, page=Page("settings")
    )


async def plan_page(request: Request) -> Response:
    """The plan for hard moments; pwa/js/plan.js shows what this device keeps and builds the
    form's choice of exercises from app.json."""
    state = app_state(request)
    locale = _locale(request)
    page_data = {
        "strings": translated_strings(state.catalogs.language(locale).gettext, PLAN_STRINGS)
    }
    return state.templates.render("plan.html", locale, {"page_data": page_data}, page=Page("plan"))


async def reminders_page(request: Request) -> Response:
    """Reminders to practise: push notifications, or a calendar; pwa/js/online/reminders.js."""
    state = app_state(request)
    locale = _locale(request)
    strings = translated_strings(state.catalogs.language(locale).gettext, REMINDER_STRINGS)
    return state.templates.render(
        "reminders.html",
        locale,
        {"page_data": {"strings": strings, "api": state.urls.for_api()}},
        page=Page("reminders"),
    )


async def make_set_page(request: Request) -> Response:
    """The set builder: a set put together here travels inside its link (pwa/js/set-link.js),
    so it needs no account and no server; pwa/js/online/make-set.js builds the form's items."""
    state = app_state(request)
    locale = _locale(request)
    language = state.catalogs.language(locale)
    page_data = {
        "strings": translated_strings(language.gettext, MAKE_SET_STRINGS),
        "exercises": exercise_choices(state.exercises, language, "therapist"),
        "setLinks": {code: state.urls.set_in_link(code) for code in LOCALES},
    }
    return state.templates.render(
        "make_set.html",
        locale,
        {"page_data": page_data, "limits": SetLimits},
        page=Page("make_set"),
    )


async def set_page(request: Request) -> Response:
    """A set from a therapist: opened from its link or a short code, kept, practised, shared
    (pwa/js/set-page.js). The token rides in the fragment (#t=...) and never reaches here; the
    page is stored offline, so its texts travel in it and its script works without the server."""
    state = app_state(request)
    locale = _locale(request)
    strings = translated_strings(state.catalogs.language(locale).gettext, SET_STRINGS)
    return state.templates.render(
        "set.html", locale, {"page_data": {"strings": strings}}, page=Page("set")
    )


async def app_json(request: Request) -> Response:
    """The strings, URL templates and exercise timings the scripts share, for one language."""
    state = app_state(request)
    locale = _locale(request)
    data = app_data(state.exercises, state.catalogs.language(locale), state.urls)
    return JSONResponse(data, headers={"Cache-Control": "no-cache"})
