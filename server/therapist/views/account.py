"""The account page: two-step sign-in with an authenticator app (TOTP)."""

from __future__ import annotations

import anyio
import segno
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from ...i18n import N_
from ...urls import Page
from ..accounts import Account
from ..passwords import verify_password
from ..totp import matching_step, new_secret, provisioning_uri
from ..web import Visit, page, visit_of
from .signin import WRONG_CODE, failed_sign_in, sign_in_limits

TOTP_ON = N_("Two-step sign-in is on. From now on you sign in with a code as well.")
TOTP_OFF = N_("Two-step sign-in is off.")
WRONG_PASSWORD_OR_CODE = N_("The password or the code is not right.")
TOO_MANY = N_("Too many attempts. Please wait %(minutes)s minutes and try again.")
REQUIRED = N_(
    "Two-step sign-in is required on this server. Set it up before you go on: it keeps your "
    "clients' sets safe even if someone learns your password."
)


def qr_svg(data: str, label: str) -> Markup:
    """A QR code as inline SVG, black on white in dark mode too, sized by the stylesheet."""
    code = segno.make(data, error="m", micro=False)
    svg = code.svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="qr", title=label
    )
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


@page("setup")
async def totp(request: Request) -> Response:
    visit = visit_of(request)
    assert visit.session is not None
    side = visit.side
    accounts = side.accounts
    account = visit.session.account
    required = side.settings.require_2fa
    notice = visit.gettext(REQUIRED) if required and not account.has_totp else None
    error = None
    setup = None
    wait = 0
    if request.method == "POST":
        action = visit.field("action", 20)
        if action == "start" and not account.has_totp:
            secret = new_secret()
            await anyio.to_thread.run_sync(accounts.start_totp, account.id, secret)
            setup = secret
        elif action == "confirm" and account.totp_pending:
            step = matching_step(account.totp_pending, visit.field("code", 20), side.now())
            if step is None:
                error, setup = visit.gettext(WRONG_CODE), account.totp_pending
            else:
                await anyio.to_thread.run_sync(accounts.confirm_totp, visit.actor(), step)
                return visit.redirect("t_totp", "?done=on")
        elif action == "stop" and account.has_totp and not required:
            # Whoever holds the session alone (a borrowed computer) cannot turn it off: that
            # takes the password and a current code, guessed no faster than at sign-in.
            limits = sign_in_limits(request, account.email)
            wait = side.throttle.wait(*limits)
            if wait:
                error = visit.gettext(TOO_MANY, minutes=max(1, -(-wait // 60)))
            elif await _may_turn_off(visit, account):
                await anyio.to_thread.run_sync(accounts.stop_totp, visit.actor())
                return visit.redirect("t_totp", "?done=off")
            else:
                await failed_sign_in(side, limits, visit.actor(), "totp.off_refused")
                error = visit.gettext(WRONG_PASSWORD_OR_CODE)
    done = request.query_params.get("done")
    if done in ("on", "off"):
        message = TOTP_ON if done == "on" else TOTP_OFF
        notice = visit.gettext(message)
    context = {
        "account": account,
        "required": required,
        "notice": notice,
        # Just turned on: the notice says it is on, and the page does not say it again.
        "just_on": done == "on" and account.has_totp,
        "error": error,
        "setup": setup,
        "qr": None,
        "uri": None,
    }
    if setup:
        uri = provisioning_uri(setup, account.email)
        context.update(
            uri=uri,
            qr=qr_svg(uri, visit.gettext("QR code to scan with your authenticator app")),
            secret_groups=" ".join(setup[i : i + 4] for i in range(0, len(setup), 4)),
        )
    status = 429 if wait else 400 if error else 200
    response = visit.render("t_totp.html", context, page=Page("t_totp"), status_code=status)
    if wait:
        response.headers["Retry-After"] = str(wait)
    return response


async def _may_turn_off(visit: Visit, account: Account) -> bool:
    """Whether the form holds the account's password and a code not used before."""
    password = visit.field("password", 2000)
    if not await anyio.to_thread.run_sync(verify_password, account.password_hash, password):
        return False
    step = matching_step(account.totp_secret or "", visit.field("code", 20), visit.side.now())
    return step is not None and await anyio.to_thread.run_sync(
        visit.side.accounts.use_totp_step, account.id, step
    )
