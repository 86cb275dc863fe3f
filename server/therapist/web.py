"""What every therapist page shares: the session, CSRF, ``Cache-Control: no-store``.

Each page is a plain function of a ``Visit``, run in a worker thread (the database calls are
synchronous). ``page()`` wraps it: it finds the session, sends a visitor who may not see the
page to where they should be, and refuses any request that changes something without the
form's CSRF token. No view opts out of the token: a view that changes state is a POST, and
every POST is checked before its view runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..state import app_state
from .service import TherapistSide
from .sessions import COOKIE, EXPIRED, Session
from .tokens import new_token, same

CSRF_COOKIE = "houvast_csrf"
COOKIE_PATH = "/t"
MAX_FORM_BYTES = 64 * 1024
# Who may see a page: anyone; someone between password and authenticator code; someone
# signed in who must still set up an authenticator (HOUVAST_REQUIRE_2FA); anyone signed in.
Access = Literal["anyone", "code", "setup", "signed_in"]


@dataclass
class Visit:
    """One request to a therapist page, as its view sees it."""

    request: Request
    side: TherapistSide
    locale: str
    session: Session | None
    csrf: str
    form: FormData | None = None
    cookies: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def account_id(self) -> int:
        assert self.session is not None, "the view's access says it is signed in"
        return self.session.account.id

    @property
    def address(self) -> str:
        return self.request.client.host if self.request.client else "unknown"

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
        route: str,
        params: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        return self.side.templates.render(
            template,
            self.locale,
            {"csrf": self.csrf, "session": self.session, **(context or {})},
            route=route,
            params=params,
            status_code=status_code,
        )

    def start_session(self, cookie: str) -> None:
        self.cookies.append((COOKIE, cookie))

    def end_session(self) -> None:
        cookie = self.request.cookies.get(COOKIE)
        if cookie:
            self.side.sessions.end(cookie)
        self.cookies.append((COOKIE, None))


View = Callable[[Visit], Response]


def page(view: View, access: Access = "signed_in", route: str = "") -> Callable[..., Any]:
    """A therapist page: ``view`` runs only for a visitor ``access`` allows, and a POST only
    with the right CSRF token."""

    async def endpoint(request: Request) -> Response:
        side = app_state(request).therapist
        locale = str(request.path_params["locale"])
        loaded = await anyio.to_thread.run_sync(side.sessions.load, request.cookies.get(COOKIE))
        session = loaded if isinstance(loaded, Session) else None
        anonymous = request.cookies.get(CSRF_COOKIE) or ""
        csrf = session.csrf if session else (anonymous or new_token())
        visit = Visit(request, side, locale, session, csrf)
        if not session and not anonymous:
            visit.cookies.append((CSRF_COOKIE, csrf))
        response = await _answer(visit, view, access, expired=loaded is EXPIRED)
        return _finish(request, response, visit)

    endpoint.__name__ = getattr(view, "__name__", "page")
    return endpoint


async def _answer(visit: Visit, view: View, access: Access, *, expired: bool) -> Response:
    if visit.request.method not in ("GET", "HEAD"):
        # First of all: a POST without this visitor's token changes nothing and goes nowhere.
        declared = visit.request.headers.get("content-length") or "0"
        if not declared.isdigit() or int(declared) > MAX_FORM_BYTES:
            return Response("Too large", status_code=413, media_type="text/plain")
        try:
            visit.form = await visit.request.form(max_files=0, max_fields=1000)
        except Exception:  # a body that is no form at all: the same answer as a stale form
            visit.form = None
        if not visit.csrf or not same(visit.field("csrf", 200), visit.csrf):
            return visit.render("t_refused.html", route="t_sign_in", status_code=403)
    session = visit.session
    if access != "anyone":
        if session is None:
            query = "?ended=idle" if expired else ""
            return visit.redirect("t_sign_in", query)
        if access == "code":
            if session.verified:
                return visit.redirect("t_sets")
        elif not session.verified:
            return visit.redirect("t_code")
        elif (
            access == "signed_in"
            and visit.side.settings.require_2fa
            and not session.account.has_totp
        ):
            return visit.redirect("t_totp")
    return await anyio.to_thread.run_sync(view, visit)


def _finish(request: Request, response: Response, visit: Visit) -> Response:
    # Nothing of the therapist side is kept by a browser, a proxy or the service worker.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    secure = request.url.scheme == "https"
    for name, value in visit.cookies:
        if value is None:
            response.delete_cookie(name, path=COOKIE_PATH, secure=secure, httponly=True)
        else:
            response.set_cookie(
                name,
                value,
                path=COOKIE_PATH,
                httponly=True,
                samesite="strict" if name == CSRF_COOKIE else "lax",
                secure=secure,
            )
    return response
