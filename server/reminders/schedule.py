"""When a weekly reminder fires next, in its own time zone, across daylight-saving changes.

A reminder is a set of weekdays and a local time ("Monday, Wednesday and Friday at 08:30").
The next occurrence is computed in local time and then turned into UTC, so 08:30 stays 08:30
on the wall clock when the clocks change. A local time that does not exist on the day the
clocks go forward (02:30 in Amsterdam) fires at the moment it would have been, an hour later
on the wall clock; a local time that happens twice when the clocks go back fires once, the
first time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ..rules import TIME_PATTERN

_TIME = re.compile(TIME_PATTERN)
# Names in the time zone database that are no place's zone: the machine's own setting, a zone
# whose only purpose is to be wrong, and a template.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


class ScheduleError(ValueError):
    """A schedule a person sent cannot be used; ``code`` says which part."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Weekly:
    """Weekdays (ISO: 1 = Monday ... 7 = Sunday) and a local time."""

    days: frozenset[int]
    at: time

    @property
    def mask(self) -> int:
        return sum(1 << (day - 1) for day in self.days)

    @classmethod
    def from_mask(cls, mask: int, hhmm: str) -> Weekly:
        return cls(frozenset(d for d in range(1, 8) if mask & (1 << (d - 1))), parse_time(hhmm))

    @property
    def hhmm(self) -> str:
        return self.at.strftime("%H:%M")


def parse_time(value: object) -> time:
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ScheduleError("time")
    return time(int(match.group(1)), int(match.group(2)))


def parse_days(value: object) -> frozenset[int]:
    if not isinstance(value, list) or not value or len(value) > 7:
        raise ScheduleError("days")
    if not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in value):
        raise ScheduleError("days")
    return frozenset(value)


_ZONES: frozenset[str] | None = None


def parse_timezone(value: object) -> ZoneInfo:
    """An IANA time zone name; anything else (paths, abbreviations, offsets, ``localtime``,
    ``Factory``) is refused."""
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(
            zone
            for zone in available_timezones()
            if zone not in _NOT_ZONES and not zone.startswith(("posix/", "right/"))
        )
    if not isinstance(value, str) or value not in _ZONES:
        raise ScheduleError("timezone")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError("timezone") from None


def _at(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of a local wall-clock time (fold 0: the first, for doubled hours)."""
    local = datetime.combine(day, at, tzinfo=zone)
    return local.astimezone(UTC)


def next_occurrence(schedule: Weekly, zone: ZoneInfo, after: datetime) -> datetime:
    """The first occurrence strictly after ``after`` (an aware datetime), in UTC."""
    local_day = after.astimezone(zone).date()
    # Yesterday too: near midnight and around clock changes the local date of "after" and of
    # the occurrence can differ by a day.
    for offset in range(-1, 9):
        day = local_day + timedelta(days=offset)
        if day.isoweekday() not in schedule.days:
            continue
        moment = _at(day, schedule.at, zone)
        if moment > after:
            return moment
    raise AssertionError("a weekly schedule always has an occurrence within 8 days")
