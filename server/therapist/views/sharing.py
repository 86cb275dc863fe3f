"""Handing a set over (link, QR code, short code, a printable page), showing a link again,
replacing it, labelling it and revoking it.

Making a link is a POST that leads on (303) to the link's own page, so a reload shows the same
link again and never makes another; that page works for as long as the link does. Once the
link no longer works (a phone keeps the set, it was stopped, or its days ran out), its page and
its buttons lead to the set's page, which says so and lists each link's state: the set is still
there, and a "not found" would say it was gone.
"""

from __future__ import annotations

import functools

import anyio
from starlette.requests import Request
from starlette.responses import Response

from ...i18n import N_
from ...rules import TEXT_MESSAGES, text_problem
from ...urls import Page
from ..sets import StoredSet
from ..sharing import LABEL_LENGTH, NewShare
from ..tokens import spaced_code
from ..web import Visit, page, visit_of
from .account import qr_svg
from .sets import owned, set_page

LABEL_TOO_LONG = N_("A label can have at most %(count)d characters.")
LABEL_SAVED = N_("The label is saved.")


def read_label(visit: Visit) -> tuple[str, str | None]:
    """The label typed in the form, and what is wrong with it (a message), if anything."""
    label = " ".join(visit.field("label", 1_000).split())
    if len(label) > LABEL_LENGTH:
        return label, visit.gettext(LABEL_TOO_LONG, count=LABEL_LENGTH)
    if problem := text_problem(label):
        return label, visit.gettext(TEXT_MESSAGES[problem])
    return label, None


@page("signed_in")
async def share(request: Request) -> Response:
    visit = visit_of(request)
    found = await owned(request)
    label, problem = read_label(visit)
    if problem:
        return await set_page(request, found, label=label, label_error=problem, status_code=400)
    made = await anyio.to_thread.run_sync(visit.side.shares.create, visit.actor(), found, label)
    return visit.redirect("t_share", set_id=found.public_id, share_id=made.public_id)


def _gone(visit: Visit, found: StoredSet) -> Response:
    # The set is the therapist's own, so this says nothing of any other set, whether the share
    # id was never this set's or its link stopped working.
    return visit.redirect("t_set", "?done=link-gone", set_id=found.public_id)


async def _shown(request: Request, *, seen: bool = False) -> tuple[StoredSet, NewShare | None]:
    """The set and its share in the URL: not found unless the signed-in therapist owns the
    set; the share None unless it is one of the set's working links. ``seen``: the link is
    shown (the audit trail says so)."""
    visit = visit_of(request)
    found = await owned(request)
    look = functools.partial(
        visit.side.shares.shown,
        visit.actor(),
        found.public_id,
        str(request.path_params["share_id"]),
        seen=seen,
    )
    return found, await anyio.to_thread.run_sync(look)


@page("signed_in")
async def show(request: Request) -> Response:
    found, shown = await _shown(request, seen=True)
    if shown is None:
        return _gone(visit_of(request), found)
    return _share_page(request, found, shown)


def _share_page(
    request: Request,
    found: StoredSet,
    shown: NewShare,
    *,
    label: str | None = None,
    label_error: str | None = None,
    status_code: int = 200,
) -> Response:
    """A working link, with its QR code, its code while that works, its label, and the
    handout; with ``label_error``, the label typed is shown again beside the message."""
    visit = visit_of(request)
    locale = found.data.locale
    # The set page in the set's language, with the token in the fragment, which the browser
    # keeps to itself (no server or proxy log ever holds it).
    link = visit.side.urls.shared_set(shown.token, locale)
    code = spaced_code(shown.code) if shown.code else None
    templates = visit.side.templates
    settings = templates.settings
    qr = qr_svg(link, visit.gettext("QR code with the link to the set"))
    handout = templates.fragment(
        "_handout.html",
        locale,
        {
            "set": found,
            "exercises": handout_exercises(visit, found),
            "link": link,
            "code": code,
            "qr": qr_svg(
                link, templates.catalogs.gettext(locale, "QR code with the link to the set")
            ),
            "expires": shown.code_expires_at,
            "settings": settings,
            "practice_name": settings.practice_name,
            "practice_contact": settings.practice_contact,
        },
    )
    done = request.query_params.get("done")
    return visit.render(
        "t_share.html",
        {
            "set": found,
            "share": shown,
            "link": link,
            "code": code,
            "qr": qr,
            "expires": shown.code_expires_at,
            "handout": handout,
            "label": shown.label if label is None else label,
            "label_error": label_error,
            "label_length": LABEL_LENGTH,
            "notice": visit.gettext(LABEL_SAVED) if done == "labelled" else None,
        },
        page=Page.of("t_share", set_id=found.public_id, share_id=shown.public_id),
        status_code=status_code,
    )


@page("signed_in")
async def replace(request: Request) -> Response:
    """GET: what replacing does, and a button to confirm; POST: the old link stops and a new
    one, with the same label, is shown."""
    visit = visit_of(request)
    found, shown = await _shown(request)
    if shown is None:
        return _gone(visit, found)
    if request.method == "GET":
        return visit.render(
            "t_share_replace.html",
            {"set": found, "share": shown},
            page=Page.of("t_share_replace", set_id=found.public_id, share_id=shown.public_id),
        )
    made = await anyio.to_thread.run_sync(
        visit.side.shares.replace, visit.actor(), found.public_id, shown.public_id
    )
    if made is None:  # stopped in the meantime, in another tab
        return _gone(visit, found)
    return visit.redirect("t_share", set_id=found.public_id, share_id=made.public_id)


@page("signed_in")
async def label(request: Request) -> Response:
    """A working link's label, changed on its page."""
    visit = visit_of(request)
    found, shown = await _shown(request)
    if shown is None:
        return _gone(visit, found)
    text, problem = read_label(visit)
    if problem:
        return _share_page(request, found, shown, label=text, label_error=problem, status_code=400)
    change = functools.partial(
        visit.side.shares.set_label, visit.actor(), found.public_id, shown.public_id, text
    )
    if not await anyio.to_thread.run_sync(change):
        return _gone(visit, found)
    return visit.redirect(
        "t_share", "?done=labelled", set_id=found.public_id, share_id=shown.public_id
    )


def handout_exercises(visit: Visit, found: StoredSet) -> list[dict[str, str]]:
    """The set's exercises in its language, each with its length at the set's own values."""
    language = visit.side.catalogs.language(found.data.locale)
    listed = []
    for item in found.data.items:
        exercise = visit.side.exercises.get(item.exercise)
        if exercise is None:  # a file removed since the set was made: the app skips it too
            continue
        minutes = exercise.with_values(item.values).estimated_minutes()
        listed.append(
            {"title": language.gettext(exercise.title), "length": language.minutes(minutes)}
        )
    return listed


@page("signed_in")
async def revoke(request: Request) -> Response:
    visit = visit_of(request)
    set_id = str(request.path_params["set_id"])
    share_id = str(request.path_params["share_id"])
    revoked = await anyio.to_thread.run_sync(
        visit.side.shares.revoke, visit.actor(), set_id, share_id
    )
    if not revoked:
        # Not found unless the set is theirs; if it is, the link stopped already (in another
        # tab, or when a phone kept the set): the set's page says how it is now.
        return _gone(visit, await owned(request))
    return visit.redirect("t_set", "?done=revoked", set_id=set_id)
