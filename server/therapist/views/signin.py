"""Signing in (password, then the authenticator's code when the account has one), setting a
password through the operator's one-time link, and signing out."""

from __future__ import annotations

import functools
from typing import NamedTuple

import anyio
from starlette.requests import Request
from starlette.responses import Response

from ...i18n import N_
from ...json_body import client_address
from ...rate_limits import (
    SIGN_IN_PER_ACCOUNT,
    SIGN_IN_PER_ACCOUNT_AT_ADDRESS,
    SIGN_IN_PER_ADDRESS,
    TOKEN_PER_ADDRESS,
    Limit,
    sign_in_delay,
)
from ...rules import TEXT_MESSAGES, text_problem
from ...urls import Page
from ..accounts import Account, normalise_email
from ..audit import Actor
from ..drafts import COOKIE as DRAFT_COOKIE
from ..passwords import (
    WEAK_MESSAGES,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from ..service import TherapistSide
from ..totp import matching_step
from ..web import SIGNED_OUT, Visit, page, visit_of
from .sets import resume_draft

WRONG = N_("The email address or password is not right.")
WRONG_CODE = N_("That code is not right. Type the code your authenticator app shows now.")
USED_CODE = N_(
    "That code was just used to sign in. Wait until your authenticator app shows the next "
    "code, and type that one."
)
TOO_MANY = N_("Too many attempts to sign in. Please wait %(minutes)s minutes and try again.")
DEAD_LINK = N_(
    "This link no longer works: it was used already, or it is more than a day old. Ask the "
    "person who runs Houvast for a new one."
)
NOTICES = {
    "idle": SIGNED_OUT,
    "out": N_("You are signed out."),
    "password": N_("Your password is set. You can sign in now."),
}


class SignInLimits(NamedTuple):
    """The limits on guessing an account's password or code."""

    account_at_address: Limit
    account: Limit
    address: Limit


def sign_in_limits(request: Request, email: str) -> SignInLimits:
    """Per account at this address, per account from everywhere, and per address."""
    # The account's key is whatever address was typed, whether it has an account or not, so
    # the answers never tell the two apart.
    key = normalise_email(email) or email.strip().lower()[:254]
    address = client_address(request)
    return SignInLimits(
        Limit(SIGN_IN_PER_ACCOUNT_AT_ADDRESS, f"account-at:{key} {address}"),
        Limit(SIGN_IN_PER_ACCOUNT, f"account:{key}"),
        Limit(SIGN_IN_PER_ADDRESS, f"address:{address}"),
    )


async def failed_sign_in(
    side: TherapistSide, limits: SignInLimits, actor: Actor, event: str
) -> None:
    """Count a wrong password or code and record it in the audit trail (on its own: nothing
    else happened), then hold the answer back the longer the more the account has had lately
    (an await, not a blocked thread)."""
    side.throttle.hit(*limits)
    await anyio.to_thread.run_sync(side.audit.add, actor, event)
    await side.pause(sign_in_delay(side.throttle.count(limits.account)))


def _too_many(visit: Visit, wait: int, template: str, route: str, **context: object) -> Response:
    minutes = max(1, -(-wait // 60))
    response = visit.render(
        template,
        {**context, "error": visit.gettext(TOO_MANY, minutes=minutes)},
        page=Page(route),
        status_code=429,
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _password_account(side: TherapistSide, email: str, password: str) -> Account | None:
    """The account ``email`` and ``password`` sign in to, its hash renewed when the hasher's
    parameters changed; None for a wrong address or password."""
    account = side.accounts.by_email(email) if email else None
    stored = account.password_hash if account else None
    if account is None or not verify_password(stored, password):
        return None
    if stored and needs_rehash(stored):
        side.accounts.store_hash(account.id, hash_password(password))
    return account


def _tried(side: TherapistSide, email: str, address: str) -> Actor:
    """Whose account a wrong password was for, in the audit trail: the account when there is
    one (its therapist sees the attempt), and the address typed when it is one."""
    known = side.accounts.by_email(email) if email else None
    return Actor(known.id if known else None, normalise_email(email), address)


@page("anyone")
async def sign_in(request: Request) -> Response:
    visit = visit_of(request)
    session = visit.session
    if request.method == "GET":
        if session is not None and session.verified:
            return visit.redirect("t_sets")
        notice = NOTICES.get(request.query_params.get("ended", ""))
        return visit.render(
            "t_sign_in.html",
            {"email": "", "error": None, "notice": visit.gettext(notice) if notice else None},
            page=Page("t_sign_in"),
        )
    email, password = visit.field("email", 300), visit.field("password", 2000)
    problem = text_problem(email)
    if problem:
        # No address holds such a character: refused before any lookup, and no guess.
        return visit.render(
            "t_sign_in.html",
            {"email": email, "error": visit.gettext(TEXT_MESSAGES[problem]), "notice": None},
            page=Page("t_sign_in"),
            status_code=400,
        )
    limits = sign_in_limits(request, email)
    side = visit.side
    wait = side.throttle.wait(*limits)
    if wait:
        return _too_many(visit, wait, "t_sign_in.html", "t_sign_in", email=email, notice=None)
    # Argon2 takes most of a second, in a worker thread with the lookups around it.
    account = await anyio.to_thread.run_sync(_password_account, side, email, password)
    if account is None:
        tried = await anyio.to_thread.run_sync(_tried, side, email, visit.address)
        await failed_sign_in(side, limits, tried, "sign_in.wrong_password")
        return visit.render(
            "t_sign_in.html",
            {"email": email, "error": visit.gettext(WRONG), "notice": None},
            page=Page("t_sign_in"),
            status_code=400,
        )
    await visit.end_session()
    await visit.start_session(account, verified=not account.has_totp)
    if account.has_totp:
        return visit.redirect("t_code")
    return await _signed_in(request, visit, account.id)


@page("code")
async def code(request: Request) -> Response:
    """The second step: the code from the authenticator app."""
    visit = visit_of(request)
    assert visit.session is not None
    account = visit.session.account
    if request.method == "GET":
        return visit.render("t_code.html", {"error": None}, page=Page("t_code"))
    side = visit.side
    limits = sign_in_limits(request, account.email)
    wait = side.throttle.wait(*limits)
    if wait:
        return _too_many(visit, wait, "t_code.html", "t_code")
    step = matching_step(account.totp_secret or "", visit.field("code", 20), side.now())
    if step is None:
        await failed_sign_in(side, limits, visit.actor(), "sign_in.wrong_code")
        return visit.render(
            "t_code.html",
            {"error": visit.gettext(WRONG_CODE)},
            page=Page("t_code"),
            status_code=400,
        )
    if not await anyio.to_thread.run_sync(side.accounts.use_totp_step, account.id, step):
        # A right code whose time step (or a later one) was accepted already: typed again in
        # another browser, say. Not counted as a guess: only the codes of the last minute or
        # so that match the secret get this answer, so it tells a guesser nothing they could
        # use (the code opens nothing again), and the therapist is not locked out for it. It is
        # recorded all the same: someone with the password racing a stolen code leaves a trace.
        await anyio.to_thread.run_sync(side.audit.add, visit.actor(), "sign_in.used_code")
        return visit.render(
            "t_code.html",
            {"error": visit.gettext(USED_CODE)},
            page=Page("t_code"),
            status_code=400,
        )
    # A new session id once fully signed in: an id seen before the code is worth nothing.
    await visit.end_session()
    await visit.start_session(account, verified=True)
    return await _signed_in(request, visit, account.id)


async def _signed_in(request: Request, visit: Visit, account_id: int) -> Response:
    """Where a full sign-in leads: the form kept when this account's last session ran out,
    sent again now (saved, or shown to finish), else the list of sets."""
    take = functools.partial(visit.side.drafts.take, request.cookies.get(DRAFT_COOKIE), account_id)
    draft = await anyio.to_thread.run_sync(take)
    if draft is None:
        return visit.redirect("t_sets")
    visit.cookies.append((DRAFT_COOKIE, None))
    return await resume_draft(visit, draft)


@page("anyone")
async def set_password(request: Request) -> Response:
    """The page the operator's link opens; the token comes from the link's fragment (put in
    the form by therapist.js), never through a URL the server sees."""
    visit = visit_of(request)
    if request.method == "GET":
        return visit.render("t_password.html", {"errors": {}, "token": ""}, page=Page("t_password"))
    side = visit.side
    wait = side.throttle.take(Limit(TOKEN_PER_ADDRESS, f"address:{client_address(request)}"))
    if wait:
        token = visit.field("token", 200)
        return _too_many(visit, wait, "t_password.html", "t_password", errors={}, token=token)
    token = visit.field("token", 200)
    account = await anyio.to_thread.run_sync(side.accounts.link_account, token)
    if account is None:
        return _dead_link(visit)
    password, repeated = visit.field("password", 2000), visit.field("repeat", 2000)
    problem = password_problem(password, repeated, account.email)
    if problem:
        message = visit.gettext(WEAK_MESSAGES[problem], min=12, max=1024)
        field = "repeat" if problem == "mismatch" else "password"
        # The link's token goes back into the form as it came: the address bar no longer holds
        # it (therapist.js took it out), and the next try needs it.
        return visit.render(
            "t_password.html",
            {"errors": {field: message}, "token": token},
            page=Page("t_password"),
            status_code=400,
        )
    changed = await anyio.to_thread.run_sync(
        side.accounts.set_password, token, password, visit.address
    )
    if changed is None:
        return _dead_link(visit)
    await visit.end_session()
    return visit.redirect("t_sign_in", "?ended=password")


def _dead_link(visit: Visit) -> Response:
    errors = {"link": visit.gettext(DEAD_LINK)}
    return visit.render(
        "t_password.html", {"errors": errors, "token": ""}, page=Page("t_password"), status_code=400
    )


@page("anyone")
async def sign_out(request: Request) -> Response:
    visit = visit_of(request)
    await visit.end_session()
    return visit.redirect("t_sign_in", "?ended=out")
