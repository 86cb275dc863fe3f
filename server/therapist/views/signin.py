"""Signing in (password, then the authenticator's code when the account has one), setting a
password through the operator's one-time link, and signing out."""

from __future__ import annotations

from starlette.responses import Response

from ...i18n import N_
from ..accounts import normalise_email
from ..passwords import (
    WEAK_MESSAGES,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from ..throttle import SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_ADDRESS, TOKEN_PER_ADDRESS, Limit
from ..totp import matching_step
from ..web import Visit

WRONG = N_("The email address or password is not right.")
WRONG_CODE = N_("That code is not right. Type the code your authenticator app shows now.")
TOO_MANY = N_("Too many attempts to sign in. Please wait %(minutes)s minutes and try again.")
DEAD_LINK = N_(
    "This link no longer works: it was used already, or it is more than a day old. Ask the "
    "person who runs Houvast for a new one."
)
NOTICES = {
    "idle": N_("You were signed out because the page was not used for a while."),
    "out": N_("You are signed out."),
    "password": N_("Your password is set. You can sign in now."),
}


def _limits(visit: Visit, email: str) -> tuple[Limit, Limit]:
    # The account's key is whatever address was typed, whether it has an account or not, so
    # the answers never tell the two apart.
    key = normalise_email(email) or email.strip().lower()[:254]
    return Limit(SIGN_IN_PER_ACCOUNT, f"account:{key}"), Limit(
        SIGN_IN_PER_ADDRESS, f"address:{visit.address}"
    )


def _too_many(visit: Visit, wait: int, template: str, route: str, **context: object) -> Response:
    minutes = max(1, -(-wait // 60))
    response = visit.render(
        template,
        {**context, "error": visit.gettext(TOO_MANY, minutes=minutes)},
        route=route,
        status_code=429,
    )
    response.headers["Retry-After"] = str(wait)
    return response


def sign_in(visit: Visit) -> Response:
    session = visit.session
    if visit.request.method == "GET":
        if session is not None and session.verified:
            return visit.redirect("t_sets")
        notice = NOTICES.get(visit.request.query_params.get("ended", ""))
        return visit.render(
            "t_sign_in.html",
            {"email": "", "error": None, "notice": visit.gettext(notice) if notice else None},
            route="t_sign_in",
        )
    email, password = visit.field("email", 300), visit.field("password", 2000)
    limits = _limits(visit, email)
    side = visit.side
    wait = side.throttle.wait(*limits)
    if wait:
        return _too_many(visit, wait, "t_sign_in.html", "t_sign_in", email=email, notice=None)
    account = side.accounts.by_email(email) if email else None
    stored = account.password_hash if account else None
    if account is None or not verify_password(stored, password):
        side.throttle.hit(*limits)
        return visit.render(
            "t_sign_in.html",
            {"email": email, "error": visit.gettext(WRONG), "notice": None},
            route="t_sign_in",
            status_code=400,
        )
    if stored and needs_rehash(stored):
        side.accounts.store_hash(account.id, hash_password(password))
    visit.end_session()
    visit.start_session(side.sessions.create(account.id, verified=not account.has_totp))
    return visit.redirect("t_code" if account.has_totp else "t_sets")


def code(visit: Visit) -> Response:
    """The second step: the code from the authenticator app."""
    assert visit.session is not None
    account = visit.session.account
    if visit.request.method == "GET":
        return visit.render("t_code.html", {"error": None}, route="t_code")
    side = visit.side
    limits = _limits(visit, account.email)
    wait = side.throttle.wait(*limits)
    if wait:
        return _too_many(visit, wait, "t_code.html", "t_code")
    step = matching_step(account.totp_secret or "", visit.field("code", 20), side.now())
    if step is None or not side.accounts.use_totp_step(account.id, step):
        side.throttle.hit(*limits)
        return visit.render(
            "t_code.html", {"error": visit.gettext(WRONG_CODE)}, route="t_code", status_code=400
        )
    # A new session id once fully signed in: an id seen before the code is worth nothing.
    visit.end_session()
    visit.start_session(side.sessions.create(account.id, verified=True))
    return visit.redirect("t_sets")


def set_password(visit: Visit) -> Response:
    """The page the operator's link opens; the token comes from the link's fragment (put in
    the form by therapist.js), never through a URL the server sees."""
    if visit.request.method == "GET":
        return visit.render("t_password.html", {"errors": {}}, route="t_password")
    side = visit.side
    wait = side.throttle.take(Limit(TOKEN_PER_ADDRESS, f"address:{visit.address}"))
    if wait:
        return _too_many(visit, wait, "t_password.html", "t_password", errors={})
    account = side.accounts.link_account(visit.field("token", 200))
    if account is None:
        errors = {"link": visit.gettext(DEAD_LINK)}
        return visit.render(
            "t_password.html", {"errors": errors}, route="t_password", status_code=400
        )
    password, repeated = visit.field("password", 2000), visit.field("repeat", 2000)
    problem = password_problem(password, repeated, account.email)
    if problem:
        message = visit.gettext(WEAK_MESSAGES[problem], min=12, max=1024)
        field = "repeat" if problem == "mismatch" else "password"
        return visit.render(
            "t_password.html", {"errors": {field: message}}, route="t_password", status_code=400
        )
    if side.accounts.set_password(visit.field("token", 200), password) is None:
        errors = {"link": visit.gettext(DEAD_LINK)}
        return visit.render(
            "t_password.html", {"errors": errors}, route="t_password", status_code=400
        )
    visit.end_session()
    return visit.redirect("t_sign_in", "?ended=password")


def sign_out(visit: Visit) -> Response:
    visit.end_session()
    return visit.redirect("t_sign_in", "?ended=out")
