"""The JSON API for reminders (docs/reminders.md): the VAPID key, devices and calendars.

Bodies are read, and bad input answered, as in every JSON API here (json_body.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..calendar import build_calendar
from ..i18n import LOCALES, N_, negotiate
from ..json_body import ApiError, bearer, client_address, error_response, read_json
from ..push import InvalidSubscription, PushTarget, validate_subscription
from ..reminders.devices import DeviceData, Reminder, parse_device
from ..reminders.messages import NEUTRAL_BODY
from ..state import app_state
from ..urls import Page

MAX_BODY = 32 * 1024
CALENDAR_NAME = N_("Houvast reminders")
NEUTRAL_CALENDAR_NAME = N_("My moments")

MESSAGES = {
    "locale": N_("Unknown language."),
    "timezone": N_("Unknown time zone. Expected a name such as Europe/Amsterdam."),
    "reminders": N_("The reminders could not be read."),
    "too_many": N_("At most %(limit)s reminders per device."),
    "target": N_("Unknown exercise."),
    "days": N_("Choose at least one day of the week."),
    "time": N_("Choose a time such as 08:30."),
    "push": N_("This push subscription cannot be used."),
    "push_taken": N_("This notification address is already registered with other keys."),
    "not_found": N_("Unknown device, or it was deleted."),
    "rate_limited": N_("Too many changes in a short time. Please try again in a minute."),
}
STATUS = {"not_found": 404, "push_taken": 409, "rate_limited": 429}


def _body_locale(body: object) -> str | None:
    if isinstance(body, dict) and body.get("locale") in LOCALES:
        return str(body["locale"])
    return None


def _error(request: Request, error: ApiError, locale: str | None = None) -> JSONResponse:
    """The error in ``locale`` (the one the body named), else in the Accept-Language's."""
    catalogs = app_state(request).catalogs
    locale = locale or negotiate(request.headers.get("accept-language"))
    return error_response(catalogs, locale, error, MESSAGES, STATUS)


def _limited(request: Request) -> JSONResponse | None:
    """429 with Retry-After when this address, or everyone together, changed too much."""
    wait = app_state(request).limits.hit(client_address(request))
    if wait is None:
        return None
    return _error(request, ApiError("rate_limited", retry_after=wait))


def _parse(request: Request, body: object, *, allow_push: bool = True) -> DeviceData:
    state = app_state(request)

    def validate_push(data: object) -> PushTarget:
        try:
            return validate_subscription(data, state.settings.push_hosts)
        except InvalidSubscription:
            raise ApiError("push") from None

    return parse_device(
        body,
        exercise_ids=state.exercises.keys(),
        limit=state.settings.max_reminders,
        validate_push=validate_push,
        allow_push=allow_push,
    )


async def _device_data(request: Request, *, allow_push: bool = True) -> DeviceData | Response:
    """The device the body describes, checked, if this address may make a change now; else
    the answer to send."""
    body: object = None
    try:
        body = await read_json(request, MAX_BODY)
        data = _parse(request, body, allow_push=allow_push)
    except ApiError as error:
        return _error(request, error, _body_locale(body))
    return _limited(request) or data


def _calendar_path(request: Request, device_id: str, calendar_token: str) -> str:
    return app_state(request).urls.path(
        "device_calendar", device_id=device_id, token=calendar_token
    )


async def push_key(request: Request) -> Response:
    return JSONResponse({"publicKey": app_state(request).vapid.public_key})


async def create_device(request: Request) -> Response:
    data = await _device_data(request)
    if isinstance(data, Response):
        return data
    store = app_state(request).devices
    try:
        made = await anyio.to_thread.run_sync(store.create, data)
    except ApiError as error:
        return _error(request, error, data.locale)
    calendar = _calendar_path(request, made.device_id, made.calendar_token)
    return JSONResponse(
        {"id": made.device_id, "token": made.token, "calendar": calendar}, status_code=201
    )


async def update_device(request: Request) -> Response:
    store = app_state(request).devices
    device_id, token = request.path_params["device_id"], bearer(request)
    data = await _device_data(request)
    if isinstance(data, Response):
        return data
    try:
        await anyio.to_thread.run_sync(store.replace, device_id, token, data)
    except ApiError as error:
        return _error(request, error, data.locale)
    return JSONResponse({"id": device_id})


async def delete_device(request: Request) -> Response:
    """Never rate-limited: turning reminders off must always work at once."""
    store = app_state(request).devices
    device_id = request.path_params["device_id"]
    if not await anyio.to_thread.run_sync(store.delete, device_id, bearer(request)):
        return _error(request, ApiError("not_found"))
    return Response(status_code=204)


def _calendar_response(
    request: Request, timezone: str, locale: str, items: Sequence[Reminder], neutral: bool
) -> Response:
    state = app_state(request)
    catalogs, exercises, urls = state.catalogs, state.exercises, state.urls
    if neutral:
        # Nothing about what the app is for: a neutral title and a link to the home page.
        home = urls.absolute(urls.page(Page("home"), locale))
        text = catalogs.gettext(locale, NEUTRAL_BODY)
        title_of, url_of = (lambda _: text), (lambda _: home)
        name = catalogs.gettext(locale, NEUTRAL_CALENDAR_NAME)
    else:
        title_of = lambda exercise_id: catalogs.gettext(locale, exercises[exercise_id].title)  # noqa: E731
        url_of = lambda exercise_id: urls.absolute(urls.exercise(exercise_id, locale))  # noqa: E731
        name = catalogs.gettext(locale, CALENDAR_NAME)
    body = build_calendar(
        [item.as_json() for item in items],
        timezone,
        locale,
        title_of=title_of,
        url_of=url_of,
        name=name,
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="houvast.ics"',
            "Cache-Control": "no-store",
        },
    )


async def device_calendar(request: Request) -> Response:
    """The device's reminders as a calendar to subscribe to. The URL carries the calendar's
    own token (calendar apps cannot send headers), which can read this feed and do nothing
    else."""
    store = app_state(request).devices
    device_id, token = request.path_params["device_id"], request.path_params["token"]
    found = await anyio.to_thread.run_sync(store.calendar, device_id, token)
    if found is None:
        return _error(request, ApiError("not_found"))
    return _calendar_response(request, found.timezone, found.locale, found.reminders, found.neutral)


async def calendar_download(request: Request) -> Response:
    """A calendar file for the reminders in the request; nothing is stored."""
    data = await _device_data(request, allow_push=False)
    if isinstance(data, Response):
        return data
    return _calendar_response(request, data.timezone, data.locale, data.reminders, data.neutral)
