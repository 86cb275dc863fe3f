"""What every therapist page shares: the session, CSRF, ``Cache-Control: no-store``.

A therapist page is a Starlette endpoint like the client's, ``async def view(request)``,
declared with ``@page(access)``. The decorator finds the session, sends a visitor who may not
see the page to where they should be, and refuses any request that changes something without
the form's CSRF token. No view opts out of the token: a view that changes state is a POST, and
every POST is checked before its view runs. What it found (the session, the token, the form,
the cookies to set) the view reads through ``visit_of(request)``, typed, as it reads the app's
state through ``app_state(request)``. A view says "not found" as the client's pages do,
``raise HTTPException(status_code=404)``, and gets the therapist's own 404 page.

The database layer is synchronous. A view awaits each of its database calls (and Argon2) in
a worker thread, ``anyio.to_thread.run_sync``, as the JSON APIs on both sides do, rather than
running whole in a thread: one kind of endpoint everywhere, and where a view leaves the event
loop is written where it happens.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import anyio
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..i18n import N_
from ..json_body import client_address
from ..state import app_state
from ..urls import Page
from .accounts import Account
from .audit import Actor
from .drafts import COOKIE as DRAFT_COOKIE
from .service import TherapistSide
from .sessions import COOKIE, Expired, Session
from .tokens import new_token, same

CSRF_COOKIE = "houvast_csrf"
MAX_FORM_BYTES = 64 * 1024
# Who may see a page: anyone; someone between password and authenticator code; someone
# signed in who must still set up an authenticator (HOUVAST_REQUIRE_2FA); anyone signed in.
Access = Literal["anyone", "code", "setup", "signed_in"]
Endpoint = Callable[[Request], Awaitable[Response]]
SIGNED_OUT_IDLE = N_(
    "You were signed out after %(minutes)s minutes without activity. Sign in again within 4 "
    "hours to save your changes."
)
SIGNED_OUT_LONG = N_(
    "You were signed out: a sign-in lasts at most 12 hours. Sign in again within 4 hours to save "
    "your changes."
)
SIGNED_OUT = N_("You were signed out because the page was not used for a while.")


@dataclass
class Visit:
    """One request to a therapist page as ``@page`` found it: who is signed in, the CSRF
    token, the form, and the cookies the response will set."""

    side: TherapistSide
    locale: str
    # The client's address, as rate limits count it and the audit trail records it.
    address: str
    session: Session | None
    csrf: str
    # The session cookie the request came with, ended by end_session().
    session_cookie: str | None
    form: FormData | None = None
    cookies: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def account_id(self) -> int:
        assert self.session is not None, "the view's access says it is signed in"
        return self.session.account.id

    def actor(self, account: Account | None = None) -> Actor:
        """Who does what the request asks, for the audit trail: ``account``, else the
        signed-in one."""
        if account is None:
            assert self.session is not None, "the view's access says it is signed in"
            account = self.session.account
        return Actor(account.id, account.email, self.address)

    def field(self, name: str, limit: int = 10_000) -> str:
        value = self.form.get(name) if self.form is not None else None
        return value[:limit] if isinstance(value, str) else ""

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [value for value in self.form.getlist(name) if isinstance(value, str)]

    def url(self, route: str, **params: str) -> str:
        return self.side.urls.path(route, locale=self.locale, **params)

    def gettext(self, message: str, **values: Any) -> str:
        text = self.side.catalogs.gettext(self.locale, message)
        return text % values if values else text

    def redirect(self, route: str, query: str = "", **params: str) -> Response:
        return RedirectResponse(self.url(route, **params) + query, status_code=303)

    def render(
        self,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        page: Page,
        status_code: int = 200,
    ) -> Response:
        """Render ``template`` as ``page`` (the language switch leads to it in the other)."""
        return self.side.templates.render(
            template,
            self.locale,
            {"csrf": self.csrf, "session": self.session, **(context or {})},
            page=page,
            status_code=status_code,
        )

    async def start_session(self, account: Account, *, verified: bool) -> None:
        """A new session for the account, its cookie set on the response; the rest of the
        request runs in it (a form shown now carries its CSRF token)."""
        create = functools.partial(
            self.side.sessions.create, self.actor(account), verified=verified
        )
        cookie = await anyio.to_thread.run_sync(create)
        self.cookies.append((COOKIE, cookie))
        started = await anyio.to_thread.run_sync(self.side.sessions.load, cookie)
        if isinstance(started, Session):
            self.session, self.csrf = started, started.csrf

    async def end_session(self) -> None:
        """End the request's session, if any, and delete its cookie."""
        if self.session_cookie:
            await anyio.to_thread.run_sync(self.side.sessions.end, self.session_cookie)
        self.cookies.append((COOKIE, None))


def visit_of(request: Request) -> Visit:
    """The therapist page's ``Visit``, as ``@page`` put it in ``request.state``."""
    return cast("Visit", request.state.visit)


def page(access: Access, *, keeps_drafts: bool = False) -> Callable[[Endpoint], Endpoint]:
    """Declare a therapist page: its view runs only for a visitor ``access`` allows, and a
    POST only with the right CSRF token; its response is never stored anywhere.

    A POST that comes in just after its session ran out answers with the sign-in form and
    says why; with ``keeps_drafts`` (a set's form) what was typed is kept for the account
    until the therapist signs in again (server/therapist/drafts.py)."""

    def declare(view: Endpoint) -> Endpoint:
        @functools.wraps(view)
        async def endpoint(request: Request) -> Response:
            side = app_state(request).therapist
            cookie = request.cookies.get(COOKIE)
            loaded = await anyio.to_thread.run_sync(side.sessions.load, cookie)
            session = loaded if isinstance(loaded, Session) else None
            anonymous = request.cookies.get(CSRF_COOKIE) or ""
            csrf = session.csrf if session else (anonymous or new_token())
            locale = str(request.path_params["locale"])
            visit = Visit(side, locale, client_address(request), session, csrf, cookie)
            if not session and not anonymous:
                visit.cookies.append((CSRF_COOKIE, csrf))
            request.state.visit = visit
            expired = loaded if isinstance(loaded, Expired) else None
            refused = await _refusal(request, visit, access, expired, keeps_drafts)
            try:
                response = refused or await view(request)
            except HTTPException as error:
                if error.status_code != 404:
                    raise
                response = _not_found(request, visit)
            return _finish(request, response, visit)

        return endpoint

    return declare


async def _refusal(
    request: Request, visit: Visit, access: Access, expired: Expired | None, keeps_drafts: bool
) -> Response | None:
    """The answer when the view must not run: a bad POST, or a visitor sent elsewhere."""
    if request.method not in ("GET", "HEAD"):
        # First of all: a POST without this visitor's token changes nothing and goes nowhere.
        declared = request.headers.get("content-length") or "0"
        if not declared.isdigit() or int(declared) > MAX_FORM_BYTES:
            return Response("Too large", status_code=413, media_type="text/plain")
        try:
            visit.form = await request.form(max_files=0, max_fields=1000)
        except Exception:  # a body that is no form at all: the same answer as a stale form
            visit.form = None
        sent = visit.field("csrf", 200)
        if not visit.csrf or not same(sent, visit.csrf):
            # The form of a session that ran out on its own: the token it carries is that
            # session's, so it came from the therapist's own page, not from elsewhere.
            if expired is not None and expired.verified and same(sent, expired.csrf):
                return await _signed_out(request, visit, expired, keeps_drafts)
            return visit.render("t_refused.html", page=Page("t_sign_in"), status_code=403)
    session = visit.session
    if access == "anyone":
        return None
    if session is None:
        query = "?ended=idle" if expired is not None else ""
        return visit.redirect("t_sign_in", query)
    if access == "code":
        return visit.redirect("t_sets") if session.verified else None
    if not session.verified:
        return visit.redirect("t_code")
    if access == "signed_in" and visit.side.settings.require_2fa and not session.account.has_totp:
        return visit.redirect("t_totp")
    return None


async def _signed_out(
    request: Request, visit: Visit, expired: Expired, keeps_drafts: bool
) -> Response:
    """The sign-in form, saying the session ran out; the set's form kept to save after it."""
    side = visit.side
    if keeps_drafts and visit.form is not None:
        fields = [
            (name, value)
            for name, value in visit.form.multi_items()
            if name != "csrf" and isinstance(value, str)
        ]
        set_id = request.path_params.get("set_id")
        keep = functools.partial(
            side.drafts.keep, expired.account_id, str(set_id) if set_id else None, fields
        )
        visit.cookies.append((DRAFT_COOKIE, await anyio.to_thread.run_sync(keep)))
        minutes = side.settings.session_idle_minutes
        notice = (
            visit.gettext(SIGNED_OUT_IDLE, minutes=minutes)
            if expired.idle
            else visit.gettext(SIGNED_OUT_LONG)
        )
    else:
        notice = visit.gettext(SIGNED_OUT)
    account = await anyio.to_thread.run_sync(side.accounts.by_id, expired.account_id)
    return visit.render(
        "t_sign_in.html",
        {"email": account.email if account else "", "error": None, "notice": notice},
        page=Page("t_sign_in"),
        status_code=401,
    )


def _not_found(request: Request, visit: Visit) -> Response:
    # A set that is not the signed-in therapist's, whether it exists or not, or a page that
    # does not exist at all.
    if "set_id" in request.path_params:
        context, back = {"set_missing": True}, Page("t_sets")
    else:
        context, back = {"set_missing": False}, Page("t_sign_in")
    return visit.render("t_not_found.html", context, page=back, status_code=404)


def _finish(request: Request, response: Response, visit: Visit) -> Response:
    # Nothing of the therapist side is kept by a browser, a proxy or the service worker.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    # A proxy may not say the visitor came over https (X-Forwarded-Proto): the public address
    # does.
    secure = visit.side.settings.secure_cookies or request.url.scheme == "https"
    # Where the router mounts the therapist side: its cookies go nowhere else.
    cookie_path = visit.side.urls.mount_of("t_static")
    for name, value in visit.cookies:
        if value is None:
            response.delete_cookie(name, path=cookie_path, secure=secure, httponly=True)
        else:
            response.set_cookie(
                name,
                value,
                path=cookie_path,
                httponly=True,
                samesite="strict" if name == CSRF_COOKIE else "lax",
                secure=secure,
            )
    return response
