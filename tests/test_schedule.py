"""Weekly schedules in a person's time zone, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.reminders.schedule import (
    ScheduleError,
    Weekly,
    next_occurrence,
    parse_days,
    parse_time,
    parse_timezone,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ZONES = [
    "Europe/Amsterdam",
    "Europe/London",
    "America/New_York",
    "America/Santiago",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a half-hour change
    "Asia/Tokyo",
    "Pacific/Chatham",
    "America/St_Johns",
    "UTC",
]
# Europe/Amsterdam's change days in 2025-2027, and the days around them.
CHANGE_DAYS = [
    datetime(2025, 3, 30, tzinfo=UTC),
    datetime(2025, 10, 26, tzinfo=UTC),
    datetime(2026, 3, 29, tzinfo=UTC),
    datetime(2026, 10, 25, tzinfo=UTC),
    datetime(2027, 3, 28, tzinfo=UTC),
    datetime(2027, 10, 31, tzinfo=UTC),
]

schedules = st.builds(
    Weekly,
    days=st.frozensets(st.integers(1, 7), min_size=1, max_size=7),
    at=st.builds(time, hour=st.integers(0, 23), minute=st.integers(0, 59)),
)
moments = st.one_of(
    st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    st.builds(
        lambda day, minutes: day + timedelta(minutes=minutes),
        st.sampled_from(CHANGE_DAYS),
        st.integers(-36 * 60, 36 * 60),
    ),
)


def exists(local: datetime) -> bool:
    """Whether a wall-clock time exists (it does not in the hour the clocks skip)."""
    zone = local.tzinfo
    assert zone is not None
    round_trip = local.astimezone(UTC).astimezone(zone)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


def candidates(schedule: Weekly, zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Every occurrence from the local day before ``start`` to the day after ``end``, in UTC."""
    day = start.astimezone(zone).date() - timedelta(days=1)
    found = []
    while day <= end.astimezone(zone).date() + timedelta(days=1):
        if day.isoweekday() in schedule.days:
            found.append(datetime.combine(day, schedule.at, tzinfo=zone).astimezone(UTC))
        day += timedelta(days=1)
    return found


@settings(max_examples=400, deadline=None)
@given(schedule=schedules, zone_name=st.sampled_from(ZONES), after=moments)
def test_the_next_occurrence_is_the_first_one_after(
    schedule: Weekly, zone_name: str, after: datetime
) -> None:
    zone = ZoneInfo(zone_name)
    found = next_occurrence(schedule, zone, after)
    assert found > after
    assert found - after <= timedelta(days=7, hours=2)
    # None is skipped: no occurrence lies between "after" and the one found.
    between = [c for c in candidates(schedule, zone, after, found) if after < c < found]
    assert between == []
    local = datetime.combine(found.astimezone(zone).date(), schedule.at, tzinfo=zone)
    if exists(local):
        # On the wall clock it is the chosen time, on a chosen day.
        assert found.astimezone(zone).time() == schedule.at
        assert found.astimezone(zone).isoweekday() in schedule.days


@settings(max_examples=200, deadline=None)
@given(schedule=schedules, zone_name=st.sampled_from(ZONES), start=moments)
def test_following_occurrences_never_repeat_or_skip_a_week(
    schedule: Weekly, zone_name: str, start: datetime
) -> None:
    zone = ZoneInfo(zone_name)
    moment = start
    seen = []
    for _ in range(len(schedule.days) * 2 + 1):
        moment = next_occurrence(schedule, zone, moment)
        seen.append(moment)
    assert seen == sorted(set(seen)), "each occurrence once, in order"
    assert seen[-1] - seen[0] <= timedelta(days=14, hours=2)


def test_0830_stays_0830_in_amsterdam_across_both_changes() -> None:
    monday = Weekly(frozenset({1}), time(8, 30))
    before_spring = next_occurrence(monday, AMSTERDAM, datetime(2026, 3, 22, tzinfo=UTC))
    after_spring = next_occurrence(monday, AMSTERDAM, before_spring)
    assert before_spring == datetime(2026, 3, 23, 7, 30, tzinfo=UTC)  # CET, UTC+1
    assert after_spring == datetime(2026, 3, 30, 6, 30, tzinfo=UTC)  # CEST, UTC+2
    before_autumn = next_occurrence(monday, AMSTERDAM, datetime(2026, 10, 20, tzinfo=UTC))
    assert before_autumn == datetime(2026, 10, 26, 7, 30, tzinfo=UTC)  # back to CET


def test_a_time_the_clocks_skip_fires_an_hour_later_on_the_wall_clock() -> None:
    sunday_0230 = Weekly(frozenset({7}), time(2, 30))
    found = next_occurrence(sunday_0230, AMSTERDAM, datetime(2026, 3, 28, tzinfo=UTC))
    assert found == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert found.astimezone(AMSTERDAM).time() == time(3, 30)


def test_a_time_that_happens_twice_fires_once() -> None:
    sunday_0230 = Weekly(frozenset({7}), time(2, 30))
    first = next_occurrence(sunday_0230, AMSTERDAM, datetime(2026, 10, 24, tzinfo=UTC))
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 02:30, CEST
    following = next_occurrence(sunday_0230, AMSTERDAM, first)
    assert following == datetime(2026, 11, 1, 1, 30, tzinfo=UTC), "not again an hour later"


def test_mask_round_trip() -> None:
    schedule = Weekly(frozenset({1, 3, 5}), time(8, 30))
    assert schedule.mask == 0b10101
    assert Weekly.from_mask(schedule.mask, "08:30") == schedule


@pytest.mark.parametrize(
    "value", ["8:30", "24:00", "08:60", "0830", "", None, 830, "08:30:00", "08:30\n", " 08:30"]
)
def test_bad_times_are_refused(value: object) -> None:
    with pytest.raises(ScheduleError):
        parse_time(value)


@pytest.mark.parametrize("value", [[], [0], [8], [1, "2"], "1,3", None, [True], list(range(1, 9))])
def test_bad_days_are_refused(value: object) -> None:
    with pytest.raises(ScheduleError):
        parse_days(value)


@pytest.mark.parametrize(
    "value",
    [
        "Mars/Olympus",
        "CET ",
        "../../etc/passwd",
        "+01:00",
        "",
        None,
        "europe/amsterdam",
        # In the time zone database, but no place's zone: the machine's own, and a joke.
        "localtime",
        "Factory",
        "posixrules",
        "Europe/Amsterdam\x00",
    ],
)
def test_bad_time_zones_are_refused(value: object) -> None:
    with pytest.raises(ScheduleError):
        parse_timezone(value)


def test_iana_time_zones_are_accepted() -> None:
    assert parse_timezone("Europe/Amsterdam") == AMSTERDAM
    assert parse_timezone("America/Argentina/Buenos_Aires").key == "America/Argentina/Buenos_Aires"
