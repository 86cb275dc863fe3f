"""The JSON API the client app calls for sets and shared progress (docs/sets.md).

Tokens and secrets travel in the body or the Authorization header, never in a URL, so no log
holds them. Bad input gets a 4xx with a message in the person's language (Accept-Language)
and changes nothing. Bodies must be JSON: a form on another site cannot send that, so no
other site can act here in a visitor's name.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import anyio
from limits import RateLimitItem
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..exercises import Exercise
from ..i18n import N_, negotiate
from ..json_body import ApiError, bearer, client_address, error_response, read_json
from ..rate_limits import CODE_PER_ADDRESS, CODE_TOTAL, TOKEN_PER_ADDRESS, Limit
from ..state import app_state
from .progress import CLOCK_SKEW, RUNS_PER_DAY, Run
from .service import TherapistSide
from .sets import client_set
from .sharing import Opened
from .tokens import normalise_code

MAX_BODY = 256 * 1024
MAX_RUNS = 500
MAX_RUN_SECONDS = 24 * 3600
RUN_KEYS = {"id", "exercise", "started", "seconds", "status", "before", "after"}

MESSAGES = {
    "token": N_("Send the link's token or a code."),
    "code": N_("A code has 8 letters and digits, such as ABCD 2345."),
    "not_found": N_(
        "This link or code is not known, or no longer valid. Ask your therapist for a new one."
    ),
    "revoked": N_(
        "Your therapist no longer updates this set. You can keep using it as it is on your phone."
    ),
    "used": N_(
        "This link has already been used to keep the set on a phone. If that was this phone, "
        "you find the set under “Your sets”. For another phone, ask your therapist for a new "
        "link."
    ),
    "expired": N_("This link has expired. Your therapist can give you a new one."),
    "too_many": N_("Too many attempts. Please wait %(minutes)s minutes and try again."),
    "secret": N_("Progress sharing for this set is not known, or was stopped."),
    "runs": N_("The exercises sent could not be read."),
    "run": N_("Exercise %(n)s sent could not be read: %(field)s."),
    "run_count": N_("Send at most %(max)s exercises at once."),
    "run_future": N_(
        "Exercise %(n)s sent starts in the future. Check the date and time on your phone."
    ),
    "run_early": N_("Exercise %(n)s sent starts before this set was shared with you."),
    "run_day": N_("At most %(max)s exercises a day can be shared; %(day)s would have more."),
}
STATUS = {
    "not_found": 404,
    "secret": 404,
    "revoked": 410,
    "used": 410,
    "expired": 410,
    "too_many": 429,
}


def _take(request: Request, side: TherapistSide, rule: RateLimitItem, *also: Limit) -> None:
    wait = side.throttle.take(Limit(rule, f"{rule}:{client_address(request)}"), *also)
    if wait:
        raise ApiError("too_many", minutes=max(1, -(-wait // 60)), retry_after=wait)


def _answer_error(request: Request, error: ApiError) -> Response:
    extra = {"revoked": True} if error.code == "revoked" else None
    locale = negotiate(request.headers.get("accept-language"))
    catalogs = app_state(request).catalogs
    return error_response(catalogs, locale, error, MESSAGES, STATUS, extra)


def _still_shared(opened: Opened | None) -> Opened:
    """The share, unless there is none (404) or the therapist stopped it (410)."""
    if opened is None:
        raise ApiError("not_found")
    if opened.revoked:
        raise ApiError("revoked")
    return opened


async def _by_token(request: Request, side: TherapistSide, token: object) -> Opened:
    """The share a client's token opens, counted against the address's limit."""
    if not isinstance(token, str) or not 0 < len(token) <= 100:
        raise ApiError("token")
    _take(request, side, TOKEN_PER_ADDRESS)
    return _still_shared(await anyio.to_thread.run_sync(side.shares.by_token, token))


async def open_set(request: Request) -> Response:
    """The set for a share's link, code or app token. The link and the code open it until a
    phone keeps it (and the link only for LINK_DAYS), each time with a new token of the app's
    own; an app that checks back with its token gets the set again, and the share counts as
    kept on that phone."""
    side = app_state(request).therapist
    try:
        body = await read_json(request, MAX_BODY)
        if not isinstance(body, dict) or set(body) - {"token", "code"} or len(body) != 1:
            raise ApiError("token")
        if "code" in body:
            typed = body["code"]
            code = normalise_code(typed) if isinstance(typed, str) and len(typed) < 40 else None
            if code is None:
                raise ApiError("code")
            _take(request, side, CODE_PER_ADDRESS, Limit(CODE_TOTAL, "codes:all"))
            opened = _still_shared(await anyio.to_thread.run_sync(side.shares.by_code, code))
            token = None
        else:
            token = body["token"]
            opened = await _by_token(request, side, token)
        if opened.kind == "app" and isinstance(token, str):
            # An app that keeps the set, checking back: kept on that phone, and seen.
            await anyio.to_thread.run_sync(side.shares.followed, token)
        else:
            # The link or the code: they open the set until a phone keeps it (a link left in
            # a browser's history opens nothing then), the link only for its days. The app
            # gets a token of its own to follow the set with.
            if opened.used:
                raise ApiError("used")
            if opened.expired:
                raise ApiError("expired")
            token = await anyio.to_thread.run_sync(side.shares.hand_out, opened.share_id)
    except ApiError as error:
        return _answer_error(request, error)
    return JSONResponse(
        {"token": token, "set": client_set(opened.set, side.exercises)},
        headers={"Cache-Control": "no-store"},
    )


async def opt_in(request: Request) -> Response:
    """The client chooses to share progress for a set: a new secret to send runs with."""
    side = app_state(request).therapist
    try:
        body = await read_json(request, MAX_BODY)
        if not isinstance(body, dict) or set(body) != {"token"}:
            raise ApiError("token")
        opened = await _by_token(request, side, body["token"])
    except ApiError as error:
        return _answer_error(request, error)
    secret = await anyio.to_thread.run_sync(side.progress.opt_in, opened.share_id)
    return JSONResponse({"secret": secret}, status_code=201, headers={"Cache-Control": "no-store"})


def parse_runs(
    body: Any, exercises: Mapping[str, Exercise], now: float, shared_at: float
) -> list[Run]:
    """Check every run before anything is stored; ApiError names the first problem. A run
    must have started between when the set was shared and now (CLOCK_SKEW either side)."""
    if not isinstance(body, dict) or set(body) != {"runs"} or not isinstance(body["runs"], list):
        raise ApiError("runs")
    if len(body["runs"]) > MAX_RUNS:
        raise ApiError("run_count", max=MAX_RUNS)
    runs = [_run(item, n, exercises) for n, item in enumerate(body["runs"], start=1)]
    for n, run in enumerate(runs, start=1):
        if run.started_at > now + CLOCK_SKEW:
            raise ApiError("run_future", n=n)
        if run.started_at < shared_at - CLOCK_SKEW:
            raise ApiError("run_early", n=n)
    return runs


def _run(item: Any, n: int, exercises: Mapping[str, Exercise]) -> Run:
    def bad(field: str) -> ApiError:
        return ApiError("run", n=n, field=field)

    if not isinstance(item, dict):
        raise bad("run")
    unknown = set(item) - RUN_KEYS
    if unknown:
        # Nothing else is kept, notes least of all: a field the contract lacks is refused.
        raise bad(sorted(str(key) for key in unknown)[0][:40])
    missing = {"id", "exercise", "started", "seconds", "status"} - set(item)
    if missing:
        raise bad(sorted(missing)[0])
    try:
        run_id = str(uuid.UUID(item["id"])) if isinstance(item["id"], str) else ""
    except ValueError:
        run_id = ""
    if not run_id or len(item["id"]) > 40:
        raise bad("id")
    if not isinstance(item["exercise"], str) or item["exercise"] not in exercises:
        raise bad("exercise")
    started = _moment(item["started"])
    if started is None:
        raise bad("started")
    seconds = item["seconds"]
    if not _whole(seconds) or not 0 <= seconds <= MAX_RUN_SECONDS:
        raise bad("seconds")
    if item["status"] not in ("completed", "stopped"):
        raise bad("status")
    ratings = []
    for name in ("before", "after"):
        value = item.get(name)
        if value is not None and (not _whole(value) or not 0 <= value <= 10):
            raise bad(name)
        ratings.append(value)
    return Run(
        run_id,
        item["exercise"],
        int(started),
        int(seconds),
        item["status"] == "completed",
        ratings[0],
        ratings[1],
    )


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _moment(value: Any) -> float | None:
    """An ISO 8601 date-time with a time zone (``2026-12-01T08:30:00Z``) as epoch seconds."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    try:
        return (moment - timedelta(0)).timestamp()
    except (OverflowError, ValueError):
        return None


async def post_runs(request: Request) -> Response:
    side = app_state(request).therapist
    try:
        body = await read_json(request, MAX_BODY)
        _take(request, side, TOKEN_PER_ADDRESS)
        link = await anyio.to_thread.run_sync(side.progress.link, bearer(request))
        if link is None:
            raise ApiError("secret")
        if link.revoked:
            raise ApiError("revoked")
        runs = parse_runs(body, side.exercises, side.now(), link.shared_at)
        crowded = await anyio.to_thread.run_sync(side.progress.crowded_day, link.id, runs)
        if crowded is not None:
            raise ApiError("run_day", max=RUNS_PER_DAY, day=crowded.isoformat())
    except ApiError as error:
        return _answer_error(request, error)
    stored = await anyio.to_thread.run_sync(side.progress.store, link.id, runs)
    if stored is None:  # withdrawn while this request was on its way
        return _answer_error(request, ApiError("secret"))
    return JSONResponse({"stored": stored})


async def withdraw(request: Request) -> Response:
    """Stop sharing progress: everything sent under the secret is deleted now."""
    side = app_state(request).therapist
    try:
        _take(request, side, TOKEN_PER_ADDRESS)
        if not await anyio.to_thread.run_sync(side.progress.withdraw, bearer(request)):
            raise ApiError("secret")
    except ApiError as error:
        return _answer_error(request, error)
    return Response(status_code=204)
