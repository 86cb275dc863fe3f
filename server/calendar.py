"""Reminders as a calendar (.ics): for people without push, downloaded or subscribed to.

Each reminder becomes one weekly recurring event at its local time in the person's own time
zone (a TZID with its VTIMEZONE, never UTC), so 08:30 stays 08:30 on both sides of a daylight
saving change. Calendar apps then remind the person themselves, with an alarm at the start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event
from icalendar.prop import vDuration

PRODID = "-//Houvast//Reminders//EN"
DURATION = timedelta(minutes=10)
# Calendar apps that honour these fetch a subscribed feed again twice a day.
REFRESH = timedelta(hours=12)
# The VTIMEZONE lists each change of offset; this covers a decade and more of a reminder's life.
TIMEZONE_YEARS = 20
ICAL_DAYS = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}


def build_calendar(
    reminders: Iterable[Mapping[str, Any]],
    timezone: str,
    locale: str,
    title_of: Callable[[str], str],
    url_of: Callable[[str], str],
    name: str,
    *,
    start: date | None = None,
    now: datetime | None = None,
    uid_scope: str = "",
) -> bytes:
    """The reminders as an iCalendar file: one weekly event per reminder.

    ``reminders`` are dicts as in the API (``{"days": [1, 3, 5], "time": "08:30", "target":
    {"type": "exercise", "id": "grounding"}}``, ISO weekdays), already validated. ``title_of``
    and ``url_of`` give an exercise's title in ``locale`` and its absolute URL; ``name`` is the
    calendar's name. Each event starts on its first day on or after ``start`` (today in
    ``timezone`` by default). ``uid_scope`` (a device id, say) keeps two devices' identical
    reminders apart in one calendar.
    """
    zone = ZoneInfo(timezone)
    now = now or datetime.now(UTC)
    start = start or now.astimezone(zone).date()

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))

    seen: dict[str, int] = {}
    for reminder in reminders:
        event = _event(reminder, zone, locale, title_of, url_of, start, now)
        key = _uid_key(reminder, uid_scope)
        # Two identical reminders are still two events, each with its own lasting UID.
        seen[key] = seen.get(key, 0) + 1
        digest = hashlib.sha256(f"{key}|{seen[key]}".encode()).hexdigest()[:32]
        event.add("uid", f"{digest}@houvast")
        calendar.add_component(event)

    calendar.add_missing_timezones(
        first_date=start - timedelta(days=7),
        last_date=start.replace(year=start.year + TIMEZONE_YEARS, day=1),
    )
    ical: bytes = calendar.to_ical()
    return ical


def _event(
    reminder: Mapping[str, Any],
    zone: ZoneInfo,
    locale: str,
    title_of: Callable[[str], str],
    url_of: Callable[[str], str],
    start: date,
    now: datetime,
) -> Event:
    days = sorted(set(reminder["days"]))
    if not days or not set(days) <= ICAL_DAYS.keys():
        raise ValueError(f"a reminder needs ISO weekdays from 1 to 7, not {reminder['days']!r}")
    target = reminder["target"]
    if target["type"] != "exercise":
        raise ValueError(f"a reminder cannot open a {target['type']!r}")
    title = title_of(target["id"])
    url = url_of(target["id"])
    first = _first_day(start, days)
    at = datetime.combine(first, time.fromisoformat(reminder["time"]), tzinfo=zone)
    language = {"LANGUAGE": locale}

    event = Event()
    event.add("summary", title, parameters=language)
    event.add("description", url, parameters=language)
    event.add("url", url)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", at)
    event.add("duration", DURATION)
    event.add("rrule", {"freq": "weekly", "byday": [ICAL_DAYS[day] for day in days]})
    # A reminder takes no time away: it should not make the person look busy.
    event.add("transp", "TRANSPARENT")

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title, parameters=language)
    alarm.add("trigger", timedelta(0))
    event.add_component(alarm)
    return event


def _first_day(start: date, days: list[int]) -> date:
    """The first date on or after ``start`` that falls on one of ``days``: DTSTART must itself
    be an occurrence, or calendars show one reminder too many."""
    return next(
        day
        for day in (start + timedelta(days=offset) for offset in range(7))
        if day.isoweekday() in days
    )


def _uid_key(reminder: Mapping[str, Any], scope: str) -> str:
    target = reminder["target"]
    days = ",".join(str(day) for day in sorted(set(reminder["days"])))
    return f"{scope}|{days}|{reminder['time']}|{target['type']}:{target['id']}"
