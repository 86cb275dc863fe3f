"""The therapist's own entries in the audit trail: what was done under their account, when
and from where, newest first, a page at a time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import anyio
from babel.dates import format_datetime
from starlette.requests import Request
from starlette.responses import Response

from ...urls import Page
from ..audit import EVENTS
from ..web import page, visit_of

PER_PAGE = 50
# The times a therapist here reads: Dutch time, in summer and in winter.
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")


@page("signed_in")
async def activity(request: Request) -> Response:
    visit = visit_of(request)
    side = visit.side
    before_text = request.query_params.get("before", "")
    before = int(before_text) if before_text.isdigit() and len(before_text) < 16 else None
    entries = await anyio.to_thread.run_sync(
        side.audit.of_account, visit.account_id, PER_PAGE + 1, before
    )
    more = len(entries) > PER_PAGE
    entries = entries[:PER_PAGE]
    # Titles of the sets that are still there, read now: the trail keeps ids only.
    titles = {
        found.public_id: found.data.title
        for found in await anyio.to_thread.run_sync(side.sets.list, visit.account_id)
    }
    rows = [
        {
            "when": format_datetime(
                datetime.fromtimestamp(entry.at, UTC),
                "medium",
                tzinfo=LOCAL_TIME,
                locale=visit.locale,
            ),
            "iso": datetime.fromtimestamp(entry.at, UTC).isoformat(),
            "what": visit.gettext(EVENTS[entry.event]) if entry.event in EVENTS else entry.event,
            "set_id": entry.set_id,
            "set_title": titles.get(entry.set_id or ""),
            "address": entry.address,
        }
        for entry in entries
    ]
    older = visit.url("t_activity") + f"?before={entries[-1].id}" if more else None
    return visit.render(
        "t_activity.html",
        {"rows": rows, "older": older, "newest": visit.url("t_activity") if before else None},
        page=Page("t_activity"),
    )
