"""Devices that keep reminders on the server: checking what a person sends, and storing it.

A device is a phone with a push subscription, or only a calendar feed. It proves it may change
or delete its data with a secret token handed out once; the server keeps only its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, insert, select, update

from ..db import devices, reminders
from ..i18n import LOCALES
from ..push import PushTarget
from .schedule import ScheduleError, Weekly, next_occurrence, parse_days, parse_time, parse_timezone


class DeviceError(ValueError):
    """What a person sent cannot be stored; ``code`` names the problem for the message."""

    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class Reminder:
    schedule: Weekly
    exercise: str

    @property
    def target(self) -> str:
        return f"exercise:{self.exercise}"

    def as_json(self) -> dict[str, Any]:
        return {
            "days": sorted(self.schedule.days),
            "time": self.schedule.hhmm,
            "target": {"type": "exercise", "id": self.exercise},
        }


@dataclass(frozen=True)
class DeviceData:
    """A device's settings as a person sent them, checked."""

    timezone: str
    zone: ZoneInfo
    locale: str
    reminders: tuple[Reminder, ...]
    push: PushTarget | None


def parse_reminders(
    data: object, exercise_ids: Collection[str], limit: int
) -> tuple[Reminder, ...]:
    if not isinstance(data, list):
        raise DeviceError("reminders")
    if len(data) > limit:
        raise DeviceError("too_many", limit=limit)
    parsed = []
    for item in data:
        if not isinstance(item, dict) or set(item) - {"days", "time", "target"}:
            raise DeviceError("reminders")
        target = item.get("target")
        if (
            not isinstance(target, dict)
            or target.get("type") != "exercise"
            or target.get("id") not in exercise_ids
        ):
            raise DeviceError("target")
        try:
            schedule = Weekly(parse_days(item.get("days")), parse_time(item.get("time")))
        except ScheduleError as error:
            raise DeviceError(error.code) from None
        parsed.append(Reminder(schedule, target["id"]))
    return tuple(parsed)


def parse_device(
    body: object,
    *,
    exercise_ids: Collection[str],
    limit: int,
    validate_push: Callable[[object], PushTarget],
    allow_push: bool = True,
) -> DeviceData:
    """Check everything before anything is stored; raise DeviceError for the first problem."""
    if not isinstance(body, dict):
        raise DeviceError("json")
    unknown = set(body) - {"timezone", "locale", "reminders", "push"}
    if unknown:
        raise DeviceError("json")
    locale = body.get("locale")
    if locale not in LOCALES:
        raise DeviceError("locale")
    try:
        zone = parse_timezone(body.get("timezone"))
    except ScheduleError:
        raise DeviceError("timezone") from None
    parsed = parse_reminders(body.get("reminders"), exercise_ids, limit)
    push = None
    if body.get("push") is not None:
        if not allow_push:
            raise DeviceError("json")
        push = validate_push(body["push"])
    return DeviceData(str(body["timezone"]), zone, str(locale), parsed, push)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _reminder_rows(device_id: str, data: DeviceData, now: int) -> list[dict[str, Any]]:
    moment = datetime.fromtimestamp(now, UTC)
    rows = []
    for reminder in data.reminders:
        following = None
        if data.push is not None:
            following = int(next_occurrence(reminder.schedule, data.zone, moment).timestamp())
        rows.append(
            {
                "device_id": device_id,
                "days": reminder.schedule.mask,
                "time": reminder.schedule.hhmm,
                "target": reminder.target,
                "next_fire_at": following,
            }
        )
    return rows


class DeviceStore:
    """Devices and their reminders in the database (called from a worker thread)."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    def create(self, data: DeviceData) -> tuple[str, str]:
        """Store a new device; returns its id and its secret token (shown once)."""
        device_id, token = secrets.token_urlsafe(16), secrets.token_urlsafe(32)
        now = int(self.clock())
        with self.engine.begin() as connection:
            if data.push is not None:
                # The same browser subscribing again replaces what it had.
                connection.execute(delete(devices).where(devices.c.endpoint == data.push.endpoint))
            connection.execute(
                insert(devices).values(
                    id=device_id,
                    token_hash=_hash(token),
                    timezone=data.timezone,
                    locale=data.locale,
                    created_at=now,
                    updated_at=now,
                    **self._push_columns(data),
                )
            )
            rows = _reminder_rows(device_id, data, now)
            if rows:
                connection.execute(insert(reminders), rows)
        return device_id, token

    def replace(self, device_id: str, data: DeviceData) -> None:
        now = int(self.clock())
        with self.engine.begin() as connection:
            if data.push is not None:
                connection.execute(
                    delete(devices)
                    .where(devices.c.endpoint == data.push.endpoint)
                    .where(devices.c.id != device_id)
                )
            connection.execute(
                update(devices)
                .where(devices.c.id == device_id)
                .values(
                    timezone=data.timezone,
                    locale=data.locale,
                    updated_at=now,
                    **self._push_columns(data),
                )
            )
            connection.execute(delete(reminders).where(reminders.c.device_id == device_id))
            rows = _reminder_rows(device_id, data, now)
            if rows:
                connection.execute(insert(reminders), rows)

    def delete(self, device_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(devices).where(devices.c.id == device_id))

    def authorised(self, device_id: str, token: str) -> bool:
        """Whether ``token`` belongs to the device (compared in constant time)."""
        with self.engine.begin() as connection:
            stored = connection.execute(
                select(devices.c.token_hash).where(devices.c.id == device_id)
            ).scalar()
        return stored is not None and hmac.compare_digest(stored, _hash(token))

    def load(self, device_id: str) -> tuple[str, str, list[Reminder]] | None:
        """A device's time zone, locale and reminders."""
        with self.engine.begin() as connection:
            device = connection.execute(
                select(devices.c.timezone, devices.c.locale).where(devices.c.id == device_id)
            ).first()
            if device is None:
                return None
            rows = connection.execute(
                select(reminders.c.days, reminders.c.time, reminders.c.target)
                .where(reminders.c.device_id == device_id)
                .order_by(reminders.c.id)
            ).all()
        found = [
            Reminder(Weekly.from_mask(row.days, row.time), row.target.removeprefix("exercise:"))
            for row in rows
        ]
        return device.timezone, device.locale, found

    @staticmethod
    def _push_columns(data: DeviceData) -> dict[str, Any]:
        push = data.push
        return {
            "endpoint": push.endpoint if push else None,
            "p256dh": push.p256dh if push else None,
            "auth": push.auth if push else None,
        }
