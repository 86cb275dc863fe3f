"""Handing a set over (link, QR code, short code, a printable page) and revoking a link."""

from __future__ import annotations

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ...urls import Page
from ..tokens import spaced_code
from ..web import page, visit_of
from .account import qr_svg
from .sets import owned


@page("signed_in")
async def share(request: Request) -> Response:
    visit = visit_of(request)
    found = await owned(request)
    made = await anyio.to_thread.run_sync(visit.side.shares.create, visit.actor(), found)
    locale = found.data.locale
    # The set page in the set's language, with the token in the fragment, which the browser
    # keeps to itself (no server or proxy log ever holds it).
    link = visit.side.urls.shared_set(made.token, locale)
    code = spaced_code(made.code)
    templates = visit.side.templates
    qr = qr_svg(link, visit.gettext("QR code with the link to the set"))
    handout = templates.fragment(
        "_handout.html",
        locale,
        {
            "set": found,
            "link": link,
            "code": code,
            "qr": qr_svg(
                link, templates.catalogs.gettext(locale, "QR code with the link to the set")
            ),
            "expires": made.code_expires_at,
        },
    )
    return visit.render(
        "t_share.html",
        {
            "set": found,
            "link": link,
            "code": code,
            "qr": qr,
            "expires": made.code_expires_at,
            "handout": handout,
        },
        page=Page.of("t_set", set_id=found.public_id),
    )


@page("signed_in")
async def revoke(request: Request) -> Response:
    visit = visit_of(request)
    set_id = str(request.path_params["set_id"])
    share_id = str(request.path_params["share_id"])
    revoked = await anyio.to_thread.run_sync(
        visit.side.shares.revoke, visit.actor(), set_id, share_id
    )
    if not revoked:
        raise HTTPException(status_code=404)
    return visit.redirect("t_set", "?done=revoked", set_id=set_id)
