"""Handing a set over (link, QR code, short code, a printable page) and revoking a link."""

from __future__ import annotations

from starlette.responses import Response

from ...urls import Page
from ..tokens import spaced_code
from ..web import Visit
from .account import qr_svg
from .sets import not_found, owned


def share_link(visit: Visit, locale: str, token: str) -> str:
    """The link the client opens: the set page in the set's language, with the token in the
    fragment, which the browser keeps to itself (no server or proxy log ever holds it)."""
    urls = visit.side.urls
    return urls.absolute(urls.page(Page("set"), locale)) + f"#t={token}"


def share(visit: Visit) -> Response:
    found = owned(visit)
    if found is None:
        return not_found(visit)
    made = visit.side.shares.create(found.id)
    locale = found.data.locale
    link = share_link(visit, locale, made.token)
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
        route="t_set",
        params={"set_id": found.public_id},
    )


def revoke(visit: Visit) -> Response:
    revoked = visit.side.shares.revoke(
        visit.account_id,
        str(visit.request.path_params["set_id"]),
        str(visit.request.path_params["share_id"]),
    )
    if not revoked:
        return not_found(visit)
    return visit.redirect("t_set", "?done=revoked", set_id=str(visit.request.path_params["set_id"]))
