"""Devices that keep reminders on the server: checking what a person sends, and storing it.

A device is a phone with a push subscription, or only a calendar feed. It proves it may change
or delete its data with a secret token handed out once; its calendar link carries a second
token that can only read the feed. The server keeps only the hashes of both.

Who owns a push subscription: the device that registered it. Registering an endpoint that
another device has is the same browser registering again only when it also brings the same
keys (p256dh and auth, which only that browser and this server know): then it replaces that
registration, as a browser that lost its record does. With other keys it is refused (409) and
the other device, its reminders and its subscription stay as they were. A change (PUT) may move
a device to an endpoint held by another device on the same terms.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..db import devices, insert_for, reminders
from ..i18n import LOCALES
from ..json_body import ApiError
from ..push import PushTarget
from .schedule import ScheduleError, Weekly, next_occurrence, parse_days, parse_time, parse_timezone

# What secrets.token_urlsafe makes: 16 bytes for an id, 32 for a token. Anything else in a path
# or header is refused before it reaches the database.
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{22}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_TRIES = 3  # a change that collides with a parallel one is tried again this often


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
    neutral: bool = False


@dataclass(frozen=True)
class Registration:
    """What a new device gets, once: its id, its secret and its calendar's read-only token."""

    device_id: str
    token: str
    calendar_token: str


@dataclass(frozen=True)
class StoredDevice:
    """A device as the calendar feed needs it."""

    timezone: str
    locale: str
    neutral: bool
    reminders: list[Reminder]


def well_formed_id(value: str) -> bool:
    return bool(_DEVICE_ID.fullmatch(value))


def well_formed_token(value: str) -> bool:
    return bool(_TOKEN.fullmatch(value))


def parse_reminders(
    data: object, exercise_ids: Collection[str], limit: int
) -> tuple[Reminder, ...]:
    if not isinstance(data, list):
        raise ApiError("reminders")
    if len(data) > limit:
        raise ApiError("too_many", limit=limit)
    parsed = []
    for item in data:
        if not isinstance(item, dict) or set(item) - {"days", "time", "target"}:
            raise ApiError("reminders")
        target = item.get("target")
        if not isinstance(target, dict) or set(target) != {"type", "id"}:
            raise ApiError("target")
        exercise = target.get("id")
        if (
            target.get("type") != "exercise"
            or not isinstance(exercise, str)
            or exercise not in exercise_ids
        ):
            raise ApiError("target")
        try:
            schedule = Weekly(parse_days(item.get("days")), parse_time(item.get("time")))
        except ScheduleError as error:
            raise ApiError(error.code) from None
        parsed.append(Reminder(schedule, exercise))
    return tuple(parsed)


def parse_device(
    body: object,
    *,
    exercise_ids: Collection[str],
    limit: int,
    validate_push: Callable[[object], PushTarget],
    allow_push: bool = True,
) -> DeviceData:
    """Check everything before anything is stored; raise ApiError for the first problem."""
    if not isinstance(body, dict):
        raise ApiError("json")
    unknown = set(body) - {"timezone", "locale", "reminders", "push", "neutral"}
    if unknown:
        raise ApiError("json")
    locale = body.get("locale")
    if not isinstance(locale, str) or locale not in LOCALES:
        raise ApiError("locale")
    try:
        zone = parse_timezone(body.get("timezone"))
    except ScheduleError:
        raise ApiError("timezone") from None
    parsed = parse_reminders(body.get("reminders"), exercise_ids, limit)
    neutral = body.get("neutral", False)
    if not isinstance(neutral, bool):
        raise ApiError("json")
    push = None
    if body.get("push") is not None:
        if not allow_push:
            raise ApiError("json")
        push = validate_push(body["push"])
    return DeviceData(str(body["timezone"]), zone, locale, parsed, push, neutral)


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
    """Devices and their reminders in the database (called from a worker thread).

    Every change is one transaction that checks what it relies on, so two requests at the same
    moment (a double tap, two tabs, a change racing a delete) end in a clear answer, never in
    a database error.
    """

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    def create(self, data: DeviceData) -> Registration:
        """Store a new device; returns its id and tokens (shown once). Raises
        ``ApiError("push_taken")`` for an endpoint another device owns.

        The same browser registering again (same endpoint and keys: a double tap, two tabs, a
        browser that lost its record) takes over its registration in one statement, an upsert:
        it keeps the device's id, and its tokens, settings and reminders become the new ones.
        However many arrive at once, they take turns on the row and one device remains.
        """
        registration = Registration(
            secrets.token_urlsafe(16), secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        )
        now = int(self.clock())
        row = {
            "id": registration.device_id,
            "token_hash": _hash(registration.token),
            "calendar_token_hash": _hash(registration.calendar_token),
            "timezone": data.timezone,
            "locale": data.locale,
            "neutral": data.neutral,
            "created_at": now,
            "updated_at": now,
            **self._push_columns(data),
        }
        with self.engine.begin() as connection:
            if data.push is None:
                connection.execute(insert(devices).values(row))
                device_id = registration.device_id
            else:
                device_id = self._upsert(connection, row)
            connection.execute(delete(reminders).where(reminders.c.device_id == device_id))
            rows = _reminder_rows(device_id, data, now)
            if rows:
                connection.execute(insert(reminders), rows)
        return Registration(device_id, registration.token, registration.calendar_token)

    def _upsert(self, connection: Connection, row: dict[str, Any]) -> str:
        """Insert a device with a push endpoint, or take over the one registered with the same
        endpoint and keys; the device's id. Another browser's endpoint: ``push_taken``."""
        statement = insert_for(self.engine)(devices).values(row)
        taken = statement.excluded
        same_browser = (devices.c.p256dh == taken.p256dh) & (devices.c.auth == taken.auth)
        upsert = statement.on_conflict_do_update(
            index_elements=[devices.c.endpoint],
            set_={
                name: taken[name]
                for name in row
                if name not in ("id", "endpoint", "p256dh", "auth")
            },
            where=same_browser,
        ).returning(devices.c.id)
        device_id = connection.execute(upsert).scalar()
        if device_id is None:
            raise ApiError("push_taken")
        return str(device_id)

    def replace(self, device_id: str, token: str, data: DeviceData) -> None:
        """Replace a device's settings and reminders; ``ApiError("not_found")`` if the
        token does not fit (or the device is gone), ``"push_taken"`` as for ``create``."""
        for attempt in range(_TRIES):
            now = int(self.clock())
            try:
                with self.engine.begin() as connection:
                    if not self._authorised(connection, device_id, token, lock=True):
                        raise ApiError("not_found")
                    self._take_endpoint(connection, data, device_id)
                    connection.execute(
                        update(devices)
                        .where(devices.c.id == device_id)
                        .values(
                            timezone=data.timezone,
                            locale=data.locale,
                            neutral=data.neutral,
                            updated_at=now,
                            **self._push_columns(data),
                        )
                    )
                    connection.execute(delete(reminders).where(reminders.c.device_id == device_id))
                    rows = _reminder_rows(device_id, data, now)
                    if rows:
                        connection.execute(insert(reminders), rows)
                return
            except IntegrityError:
                # Deleted, or the endpoint taken, at the same moment: look again.
                if attempt == _TRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def delete(self, device_id: str, token: str) -> bool:
        """Delete a device and everything it kept; False if the token does not fit."""
        with self.engine.begin() as connection:
            if not self._authorised(connection, device_id, token, lock=True):
                return False
            connection.execute(delete(devices).where(devices.c.id == device_id))
        return True

    def calendar(self, device_id: str, calendar_token: str) -> StoredDevice | None:
        """A device's time zone, locale, texts and reminders, for the holder of its calendar
        token (which can do nothing else); ``None`` if it does not fit."""
        if not (well_formed_id(device_id) and well_formed_token(calendar_token)):
            return None
        with self.engine.connect() as connection:
            device = connection.execute(
                select(
                    devices.c.timezone,
                    devices.c.locale,
                    devices.c.neutral,
                    devices.c.calendar_token_hash,
                ).where(devices.c.id == device_id)
            ).first()
            if device is None or not hmac.compare_digest(
                device.calendar_token_hash or "", _hash(calendar_token)
            ):
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
        return StoredDevice(device.timezone, device.locale, bool(device.neutral), found)

    def _authorised(
        self, connection: Connection, device_id: str, token: str, *, lock: bool = False
    ) -> bool:
        if not (well_formed_id(device_id) and well_formed_token(token)):
            return False
        query = select(devices.c.token_hash).where(devices.c.id == device_id)
        if lock and self.engine.dialect.name == "postgresql":
            # Held until the change commits: a delete at the same moment waits for it.
            query = query.with_for_update()
        stored = connection.execute(query).scalar()
        return stored is not None and hmac.compare_digest(stored, _hash(token))

    def _take_endpoint(
        self, connection: Connection, data: DeviceData, device_id: str | None
    ) -> None:
        """Make way for ``data``'s endpoint: a registration of the same browser (same keys)
        elsewhere is replaced; another browser's is refused."""
        if data.push is None:
            return
        query = select(devices.c.id, devices.c.p256dh, devices.c.auth).where(
            devices.c.endpoint == data.push.endpoint
        )
        if self.engine.dialect.name == "postgresql":
            query = query.with_for_update()
        for other in connection.execute(query).all():
            if other.id == device_id:
                continue
            same_browser = hmac.compare_digest(
                other.p256dh or "", data.push.p256dh
            ) and hmac.compare_digest(other.auth or "", data.push.auth)
            if not same_browser:
                raise ApiError("push_taken")
            connection.execute(delete(devices).where(devices.c.id == other.id))

    @staticmethod
    def _push_columns(data: DeviceData) -> dict[str, Any]:
        push = data.push
        return {
            "endpoint": push.endpoint if push else None,
            "p256dh": push.p256dh if push else None,
            "auth": push.auth if push else None,
        }
