"""The reminders as a calendar: the .ics reads back as the same schedule, in the person's own
time zone, and keeps its local time across daylight saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event

from server.calendar import build_calendar

TITLES = {
    "nl": {"grounding": "Hier en nu", "four-s": "De vier S'en"},
    "en": {"grounding": "Here and now", "four-s": "The four S's"},
}
DAY_NAMES = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}
NOW = datetime(2026, 2, 26, 12, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def reminder(days: list[int], at: str, exercise: str = "grounding") -> dict[str, Any]:
    return {"days": days, "time": at, "target": {"type": "exercise", "id": exercise}}


def build(
    reminders: list[dict[str, Any]],
    timezone: str = "Europe/Amsterdam",
    locale: str = "nl",
    start: date = date(2026, 3, 1),
    **options: Any,
) -> Calendar:
    ics = build_calendar(
        reminders,
        timezone,
        locale,
        TITLES[locale].__getitem__,
        lambda exercise: f"https://houvast.example/{locale}/exercises/{exercise}#start",
        f"Houvast ({locale})",
        start=start,
        now=options.pop("now", NOW),
        **options,
    )
    assert ics.startswith(b"BEGIN:VCALENDAR\r\n")
    return Calendar.from_ical(ics)


def schedule(event: Event) -> tuple[list[int], time, str]:
    """What a calendar app reads from an event: the weekdays, the local time and the zone."""
    start = event.decoded("dtstart")
    days = [day for day, name in DAY_NAMES.items() if name in event["rrule"]["BYDAY"]]
    return days, start.time(), event["dtstart"].params["TZID"]


def occurrences(calendar: Calendar, event: Event, after: datetime, before: datetime) -> list[Any]:
    """Expand the event's RRULE with the calendar's own VTIMEZONE (as calendar apps without the
    IANA database do), not with Python's copy of the zone."""
    (vtimezone,) = [
        tz for tz in calendar.timezones if tz["TZID"] == event["dtstart"].params["TZID"]
    ]
    zone = vtimezone.to_tz(lookup_tzid=False)
    start = event.decoded("dtstart").replace(tzinfo=zone)
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
    return list(rule.between(after, before, inc=True))


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_calendar_reads_back_as_the_same_schedule(locale: str) -> None:
    reminders = [reminder([1, 3, 5], "08:30"), reminder([7], "19:45", "four-s")]
    calendar = build(reminders, locale=locale)

    assert str(calendar["version"]) == "2.0"
    assert str(calendar["method"]) == "PUBLISH"
    assert "Houvast" in str(calendar["prodid"])
    assert str(calendar["x-wr-calname"]) == f"Houvast ({locale})"
    assert calendar.get_missing_tzids() == set()
    events = calendar.events
    assert [schedule(event) for event in events] == [
        ([1, 3, 5], time(8, 30), "Europe/Amsterdam"),
        ([7], time(19, 45), "Europe/Amsterdam"),
    ]
    assert [str(event["rrule"].to_ical().decode()) for event in events] == [
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "FREQ=WEEKLY;BYDAY=SU",
    ]
    for event, item in zip(events, reminders, strict=True):
        exercise = item["target"]["id"]
        url = f"https://houvast.example/{locale}/exercises/{exercise}#start"
        assert str(event["summary"]) == TITLES[locale][exercise]
        assert event["summary"].params["LANGUAGE"] == locale
        assert url in str(event["description"])
        assert event.decoded("duration") == timedelta(minutes=10)
        (alarm,) = event.walk("VALARM")
        assert str(alarm["action"]) == "DISPLAY"
        assert alarm.decoded("trigger") == timedelta(0)
        assert str(alarm["description"]) == TITLES[locale][exercise]


def test_each_event_starts_on_its_first_day_so_there_is_no_extra_occurrence() -> None:
    # 1 March 2026 is a Sunday.
    calendar = build([reminder([1, 3, 5], "08:30"), reminder([7], "09:00")], start=date(2026, 3, 1))
    starts = [event.decoded("dtstart").date() for event in calendar.events]
    assert starts == [date(2026, 3, 2), date(2026, 3, 1)]


def test_by_default_the_first_day_is_today_in_the_persons_time_zone() -> None:
    # 23:30 on Sunday in UTC is already Monday in Tokyo.
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    ics = build_calendar(
        [reminder([1], "07:00")], "Asia/Tokyo", "en", str, str, "Houvast", now=late
    )
    (event,) = Calendar.from_ical(ics).events
    assert event.decoded("dtstart").date() == date(2026, 3, 2)


def test_an_amsterdam_reminder_stays_at_half_past_eight_across_both_dst_changes() -> None:
    calendar = build([reminder([1], "08:30")], start=date(2026, 3, 1))
    (event,) = calendar.events

    # Summer time starts on 29 March 2026 and ends on 25 October 2026.
    spring = occurrences(calendar, event, utc(2026, 3, 16), utc(2026, 4, 7))
    autumn = occurrences(calendar, event, utc(2026, 10, 12), utc(2026, 11, 3))
    for moments in (spring, autumn):
        assert [(m.weekday(), m.hour, m.minute) for m in moments] == [(0, 8, 30)] * len(moments)
    assert [m.astimezone(UTC).hour for m in spring] == [7, 7, 6, 6]
    assert [m.date() for m in spring] == [
        date(2026, 3, 16),
        date(2026, 3, 23),
        date(2026, 3, 30),
        date(2026, 4, 6),
    ]
    assert [m.astimezone(UTC).hour for m in autumn] == [6, 6, 7, 7]
    assert [m.date() for m in autumn] == [
        date(2026, 10, 12),
        date(2026, 10, 19),
        date(2026, 10, 26),
        date(2026, 11, 2),
    ]


def test_new_york_changes_on_its_own_dates() -> None:
    calendar = build([reminder([1, 3, 5], "08:30")], "America/New_York", "en", date(2026, 3, 1))
    (event,) = calendar.events
    assert schedule(event) == ([1, 3, 5], time(8, 30), "America/New_York")
    # Daylight saving time starts on 8 March 2026 and ends on 1 November 2026 there.
    march = occurrences(calendar, event, utc(2026, 3, 4), utc(2026, 3, 11))
    assert [(m.day, m.hour, m.minute, m.astimezone(UTC).hour) for m in march] == [
        (4, 8, 30, 13),
        (6, 8, 30, 13),
        (9, 8, 30, 12),
    ]
    november = occurrences(calendar, event, utc(2026, 10, 28), utc(2026, 11, 4))
    assert [(m.day, m.hour, m.astimezone(UTC).hour) for m in november] == [
        (28, 8, 12),
        (30, 8, 12),
        (2, 8, 13),
    ]


def test_tokyo_has_no_daylight_saving_time() -> None:
    calendar = build([reminder([6, 7], "21:00")], "Asia/Tokyo", "en", date(2026, 3, 1))
    (event,) = calendar.events
    assert schedule(event) == ([6, 7], time(21, 0), "Asia/Tokyo")
    moments = occurrences(calendar, event, utc(2026, 1, 1), utc(2026, 12, 31))
    assert len(moments) == 1 + 2 * 43  # Sunday 1 March, then every weekend to the last
    assert {(m.hour, m.minute, m.astimezone(UTC).hour) for m in moments} == {(21, 0, 12)}


def test_uids_last_across_builds_and_keep_identical_reminders_apart() -> None:
    reminders = [reminder([1], "08:30"), reminder([1], "08:30"), reminder([2], "08:30")]
    first = [str(event["uid"]) for event in build(reminders).events]
    later = build(reminders, start=date(2026, 5, 1), now=NOW + timedelta(days=60))
    assert [str(event["uid"]) for event in later.events] == first
    assert len(set(first)) == 3
    other_device = build(reminders, uid_scope="another-device")
    assert not set(first) & {str(event["uid"]) for event in other_device.events}


def test_no_reminders_is_an_empty_calendar() -> None:
    calendar = build([])
    assert calendar.events == []
    assert str(calendar["x-wr-calname"]) == "Houvast (nl)"


@pytest.mark.parametrize(
    "bad",
    [
        reminder([], "08:30"),
        reminder([0], "08:30"),
        reminder([8], "08:30"),
        {"days": [1], "time": "08:30", "target": {"type": "set", "id": "x"}},
    ],
)
def test_a_reminder_the_api_would_refuse_is_a_programming_error(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        build([bad])
