"""The therapist's view of a set's shared progress: per link a client opted in under, every run
(newest first), runs per week (completed and stopped; weeks without runs folded into one row)
and the average change in distress, as charts (inline SVG, drawn here) and tables. Several
phones sharing through one link get a row each. Where a chart or a column is empty, the page
says why. Dates and times are the practice's (HOUVAST_TIME_ZONE). Nothing at all when no client
chose to share."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.lists import format_list
from babel.numbers import format_decimal
from starlette.requests import Request
from starlette.responses import Response

from ...exercises import Exercise
from ...i18n import N_, NP_, Language
from ...urls import Page
from ..progress import WEEKS, Gap, Kept, Shared, Week, fold, weeks
from ..sharing import Share
from ..web import Visit, page, visit_of
from .sets import owned

# The chart's drawing area, in SVG units; the stylesheet scales it to the page.
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 360, 150, 26, 20, 10
# The list of runs shows this many, newest first; the weeks above count them all.
RUNS_SHOWN = 200
# Translators: a column's name, quoted, in a list of empty columns.
QUOTED = N_("“%(column)s”")
EMPTY_COLUMNS = NP_("Column %(columns)s is empty", "Columns %(columns)s are empty")
SAID_ABOVE = N_("For the same reason as above.")


@page("signed_in")
async def progress(request: Request) -> Response:
    visit = visit_of(request)
    found = await owned(request)
    shares = await anyio.to_thread.run_sync(visit.side.shares.for_set, found.id)
    sections = []
    for share in (s for s in shares if s.progress):
        shared = await anyio.to_thread.run_sync(visit.side.progress.shared, share.id)
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
        sections.append(_section(visit, share, shared))
    return visit.render(
        "t_progress.html",
        {"set": found, "sections": sections},
        page=Page.of("t_progress", set_id=found.public_id),
    )


def _section(visit: Visit, share: Share, shared: Shared) -> dict[str, Any]:
    side = visit.side
    zone = side.settings.time_zone
    now = side.now()
    language = side.catalogs.language(visit.locale)
    all_weeks = weeks(shared.runs, now, zone)
    first = datetime.combine(all_weeks[0].start, datetime.min.time(), zone).timestamp()
    recent = [run for run in shared.runs if run.started_at >= first]
    explain = Explain(visit.locale, language, side.exercises, had_runs=bool(shared.runs))
    several = len(shared.phones) > 1
    per_phone = {
        phone.number: {week.start: week for week in weeks(shared.runs, now, zone, phone.number)}
        for phone in shared.phones
    }
    rows: list[dict[str, Any]] = []
    for row in fold(all_weeks):
        if isinstance(row, Gap):
            rows.append(_gap_row(visit, language, row))
        elif several:
            rows.extend(
                _week_row(visit, language, week)
                for week in (per_phone[phone.number][row.start] for phone in shared.phones)
                if week.runs
            )
        else:
            rows.append(_week_row(visit, language, row))
    change = _change_line(all_weeks)
    change_why = [] if change["points"] else explain.missing(recent, ("before", "after"))
    columns = (
        ("Before", ("before",), all(w.before is None for w in all_weeks)),
        ("After", ("after",), all(w.after is None for w in all_weeks)),
        ("After − before", ("before", "after"), all(w.change is None for w in all_weeks)),
    )
    empty_columns = [
        (language.gettext(title), explain.missing(recent, moments))
        for title, moments, empty in columns
        if empty and recent
    ]
    return {
        "share": share,
        "several": several,
        "phones": [
            {
                "label": _phone(language, phone.number),
                "since": phone.since,
                "runs": sum(1 for run in shared.runs if run.phone == phone.number),
                "last": next(
                    (_when(visit, r.started_at) for r in shared.runs if r.phone == phone.number),
                    None,
                ),
            }
            for phone in shared.phones
        ]
        if several
        else [],
        "weeks": rows,
        "weeks_count": WEEKS,
        "total": len(recent),
        "bars": _bars(visit, all_weeks) if recent else None,
        "bars_why": None if recent else explain.no_runs(),
        "change": change if change["points"] else None,
        "change_why": change_why,
        "columns_why": _columns_why(visit, language, empty_columns, said=change_why),
        "runs": [_run_row(visit, language, explain, run) for run in shared.runs[:RUNS_SHOWN]],
        "runs_total": len(shared.runs),
        "runs_why": None if shared.runs else explain.no_runs(),
    }


def _columns_why(
    visit: Visit,
    language: Language,
    empty: list[tuple[str, list[str]]],
    *,
    said: list[str],
) -> list[tuple[str, list[str]]]:
    """Why columns are empty: columns with the same reasons under one heading, and each reason
    said once on the section (``said``: already under the change chart); a heading whose
    reasons were all said points up to them."""
    grouped: dict[tuple[str, ...], list[str]] = {}
    for column, why in empty:
        grouped.setdefault(tuple(why), []).append(column)
    told = set(said)
    explained = []
    for reasons, columns in grouped.items():
        new = [reason for reason in reasons if reason not in told]
        told.update(new)
        names = format_list(
            [language.gettext(QUOTED) % {"column": column} for column in columns],
            locale=visit.locale,
        )
        heading = language.translations.ngettext(*EMPTY_COLUMNS, len(columns)) % {"columns": names}
        explained.append((heading, new or [language.gettext(SAID_ABOVE)]))
    return explained


def _phone(language: Language, number: int) -> str:
    return language.gettext("Phone %(number)s") % {"number": number}


def _when(visit: Visit, moment: int) -> str:
    """A date and time in the practice's time zone: "Tue, Nov 24, 2026, 00:30"."""
    at = datetime.fromtimestamp(moment, UTC)
    zone = visit.side.settings.time_zone
    day = format_skeleton("yMMMEd", at, tzinfo=zone, locale=visit.locale)
    return f"{day}, {format_time(at, 'HH:mm', tzinfo=zone, locale=visit.locale)}"


class Explain:
    """Why a rating, a column or a chart is empty: no runs, an exercise that does not ask for
    that rating, or a rating the client did not give (skipped, or stopped before it)."""

    def __init__(
        self,
        locale: str,
        language: Language,
        exercises: Mapping[str, Exercise],
        *,
        had_runs: bool,
    ) -> None:
        self.locale = locale
        self.language = language
        self.exercises = exercises
        self.had_runs = had_runs

    def asks(self, exercise_id: str) -> frozenset[str]:
        """The ratings an exercise asks for: "before", "after", both or neither."""
        exercise = self.exercises.get(exercise_id)
        if exercise is None:  # no longer on the server: it may have asked for either
            return frozenset(("before", "after"))
        return frozenset(
            str(step.values["moment"]) for step in exercise.all_steps() if step.kind.name == "rate"
        )

    def title(self, exercise_id: str) -> str:
        exercise = self.exercises.get(exercise_id)
        return self.language.gettext(exercise.title) if exercise else exercise_id

    def no_runs(self) -> str:
        if self.had_runs:
            return self.language.gettext("No exercises in the last %(weeks)s weeks.") % {
                "weeks": WEEKS
            }
        return self.language.gettext("No exercises have come in yet.")

    def cell(self, run: Kept, moment: str) -> str:
        """Why a run has no rating ``moment``."""
        if moment not in self.asks(run.exercise):
            return self.language.gettext("not asked")
        return self.language.gettext("not given")

    def missing(self, runs: Sequence[Kept], moments: tuple[str, ...]) -> list[str]:
        """Why none of ``runs`` has every rating in ``moments``, a sentence per reason."""
        if not runs:
            return [self.no_runs()]
        say = self.language
        # A list of titles and a count to fill in: the catalog's own ngettext, not Language's.
        reasons = []
        unasked: dict[frozenset[str], list[str]] = {}
        given = False
        for exercise in dict.fromkeys(run.exercise for run in runs):
            asks = self.asks(exercise)
            if set(moments) <= asks:
                given = True
            else:
                unasked.setdefault(asks, []).append(self.title(exercise))
        for asks, titles in unasked.items():
            listed = format_list(titles, locale=self.locale)
            if asks == {"after"}:
                text = say.translations.ngettext(
                    "%(exercises)s asks for a rating only afterwards.",
                    "%(exercises)s ask for a rating only afterwards.",
                    len(titles),
                )
            elif asks == {"before"}:
                text = say.translations.ngettext(
                    "%(exercises)s asks for a rating only beforehand.",
                    "%(exercises)s ask for a rating only beforehand.",
                    len(titles),
                )
            else:
                text = say.translations.ngettext(
                    "%(exercises)s asks for no rating.",
                    "%(exercises)s ask for no rating.",
                    len(titles),
                )
            reasons.append(text % {"exercises": listed, "count": len(titles)})
        if given:
            reasons.append(
                say.gettext(
                    "No ratings given: a rating can be skipped, and an exercise that was stopped "
                    "may end before the rating is asked."
                )
            )
        return reasons


def _number(value: float | None, locale: str) -> str:
    return "–" if value is None else format_decimal(value, "0.0", locale=locale)


def _week_row(visit: Visit, language: Language, week: Week) -> dict[str, Any]:
    locale = visit.locale
    signed = (
        None if week.change is None else format_decimal(week.change, "+0.0;−0.0", locale=locale)
    )
    return {
        "gap": False,
        "long": format_date(week.start, "medium", locale=locale),
        "phone": _phone(language, week.phone) if week.phone else None,
        "runs": week.runs,
        "completed": week.completed,
        "stopped": week.stopped,
        "before": _number(week.before, locale),
        "after": _number(week.after, locale),
        "change": signed or "–",
    }


def _gap_row(visit: Visit, language: Language, gap: Gap) -> dict[str, Any]:
    sunday = gap.last + timedelta(days=6)
    return {
        "gap": True,
        "long": format_interval(gap.first, sunday, "yMMMd", locale=visit.locale),
        "text": language.ngettext(
            "%(count)s week without exercises", "%(count)s weeks without exercises", gap.weeks
        ),
    }


def _run_row(visit: Visit, language: Language, explain: Explain, run: Kept) -> dict[str, Any]:
    def rating(value: int | None, moment: str) -> dict[str, Any]:
        if value is None:
            return {"value": None, "why": explain.cell(run, moment)}
        return {"value": value, "why": None}

    return {
        "when": _when(visit, run.started_at),
        "phone": _phone(language, run.phone),
        "exercise": explain.title(run.exercise),
        "completed": run.completed,
        "before": rating(run.before, "before"),
        "after": rating(run.after, "after"),
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
