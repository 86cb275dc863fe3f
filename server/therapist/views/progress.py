"""The therapist's view of a set's shared progress: per link a client opted in under, runs
per week (completed and stopped) and the average change in distress, as a chart (inline SVG,
drawn here) and as a table. Nothing at all when no client chose to share."""

from __future__ import annotations

import functools
from typing import Any

import anyio
from babel.dates import format_date
from babel.numbers import format_decimal
from starlette.requests import Request
from starlette.responses import Response

from ...urls import Page
from ..progress import Week
from ..web import Visit, page, visit_of
from .sets import owned

# The chart's drawing area, in SVG units; the stylesheet scales it to the page.
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 360, 150, 26, 20, 10


@page("signed_in")
async def progress(request: Request) -> Response:
    visit = visit_of(request)
    found = await owned(request)
    shares = await anyio.to_thread.run_sync(visit.side.shares.for_set, found.id)
    sections = []
    for share in (s for s in shares if s.progress):
        weeks = await anyio.to_thread.run_sync(visit.side.progress.weeks, share.id)
        # What one client shared, seen: in the audit trail, one entry for each link shown.
        await anyio.to_thread.run_sync(
            functools.partial(
                visit.side.audit.add,
                visit.actor(),
                "progress.viewed",
                set_id=found.public_id,
                share_id=share.public_id,
            )
        )
        sections.append(
            {
                "share": share,
                "weeks": [_week_row(visit, week) for week in weeks],
                "total": sum(week.runs for week in weeks),
                "bars": _bars(visit, weeks),
                "change": _change_line(weeks),
            }
        )
    return visit.render(
        "t_progress.html",
        {"set": found, "sections": sections},
        page=Page.of("t_progress", set_id=found.public_id),
    )


def _number(value: float | None, locale: str) -> str:
    return "–" if value is None else format_decimal(value, "0.0", locale=locale)


def _week_row(visit: Visit, week: Week) -> dict[str, Any]:
    locale = visit.locale
    signed = (
        None if week.change is None else format_decimal(week.change, "+0.0;−0.0", locale=locale)
    )
    return {
        "start": format_date(week.start, "d MMM", locale=locale),
        "long": format_date(week.start, "medium", locale=locale),
        "runs": week.runs,
        "completed": week.completed,
        "stopped": week.stopped,
        "before": _number(week.before, locale),
        "after": _number(week.after, locale),
        "change": signed or "–",
    }


def _bars(visit: Visit, weeks: list[Week]) -> dict[str, Any]:
    """Stacked bars: completed runs at the bottom, stopped ones on top."""
    highest = max([week.runs for week in weeks] + [1])
    slot = (WIDTH - LEFT) / len(weeks)
    scale = (HEIGHT - BOTTOM - TOP) / highest
    base = HEIGHT - BOTTOM
    bars = []
    for n, week in enumerate(weeks):
        x = LEFT + n * slot + slot * 0.2
        completed_height = week.completed * scale
        stopped_height = week.stopped * scale
        bars.append(
            {
                "x": round(x, 1),
                "width": round(slot * 0.6, 1),
                "completed_y": round(base - completed_height, 1),
                "completed_height": round(completed_height, 1),
                "stopped_y": round(base - completed_height - stopped_height, 1),
                "stopped_height": round(stopped_height, 1),
                "label_x": round(x + slot * 0.3, 1),
                "label": format_date(week.start, "d/M", locale=visit.locale) if n % 3 == 2 else "",
            }
        )
    return {
        "bars": bars,
        "highest": highest,
        "top": TOP,
        "base": base,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
    }


def _change_line(weeks: list[Week]) -> dict[str, Any]:
    """The average change per week on a scale of −10 to +10, zero in the middle."""
    slot = (WIDTH - LEFT) / len(weeks)
    middle = (HEIGHT - BOTTOM + TOP) / 2
    half = (HEIGHT - BOTTOM - TOP) / 2
    points = [
        (round(LEFT + n * slot + slot / 2, 1), round(middle - week.change / 10 * half, 1))
        for n, week in enumerate(weeks)
        if week.change is not None
    ]
    return {
        "points": points,
        "path": " ".join(f"{'M' if i == 0 else 'L'}{x} {y}" for i, (x, y) in enumerate(points)),
        "middle": round(middle, 1),
        "top": TOP,
        "base": HEIGHT - BOTTOM,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
    }
