"""Claims on due reminders, as leases in the database: who sends what, also across crashes.

A delivery row per occurrence is the claim. Its life:

- ``claimed``: a dispatcher inserted it (the primary key lets only one do so) and moved the
  reminder on to its next time. The row names its ``owner`` and holds a lease
  (``lease_until``) that the owner renews while it works. Leases are stamped and compared by
  the database's clock (``epoch_now``), so hosts whose clocks disagree agree on them; when a
  reminder is due, and too late, goes by the dispatcher's clock, as its schedule does.
- ``posting``: just before the owner posts the message it marks the row, only if it still owns
  a ``claimed`` row (one conditional UPDATE for a group of messages). That mark is the fence:
  of two instances that both think they may send a claimed row, only one can make it. A
  ``posting`` row is taken from its owner only once its lease has been over for a while longer
  (``POSTING_MARGIN``, at most a lease), so an owner that is slow, not dead, has finished
  with it.
- ``delivered``, ``gone``, ``failed``: what the push service answered.
- ``unknown``: its sender died while it was being posted, and it was found too late to send
  again (past ``LATE_LIMIT``) or its device had turned push off: it may have arrived.
- ``expired``: its sender died before posting it, and it was found too late (or push was off).

When an owner dies (SIGKILL, out of memory, power loss), its leases run out. Any instance's next
run then takes its ``claimed`` and ``posting`` rows over and sends them (still within
``LATE_LIMIT``): so a crash loses nothing. Outcomes are written only where the writer still
owns the row.

A ``posting`` row may have reached the push service before its sender died. Sent again, it
carries the same topic (the push service replaces a copy still waiting there) and the same
occurrence in its payload: the phone's service worker shows a copy of an occurrence it has
already shown in its place and, where the browser honours ``silent``, without a sound
(pwa/sw.js). At least once on the wire, then. Rows of the previous release's status
``sending`` (no owner) are left to it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row, Select, delete, select, tuple_, update

from ..db import deliveries, devices, epoch_now, insert_for, reminders
from .schedule import Weekly, next_occurrence, parse_timezone

T = TypeVar("T")

LATE_LIMIT = 10 * 60  # seconds
# Seconds past its lease before a ``posting`` row is taken back (or the lease, if shorter). With
# the longest lease (300 s), a dead owner's rows are still taken back within ``LATE_LIMIT``.
POSTING_MARGIN = 60
BATCH = 2000
IN_LIMIT = 900  # values in one IN (...) list: under SQLite's oldest limit of 999 parameters

CLAIMED = "claimed"
POSTING = "posting"
UNKNOWN = "unknown"
EXPIRED = "expired"
OWNED = (CLAIMED, POSTING)

Key = tuple[int, int]  # (reminder id, occurrence): one delivery row


@dataclass(frozen=True)
class Due:
    """A claimed occurrence, with what sending it needs."""

    reminder_id: int
    occurrence: int
    following: int  # the reminder's next time after this one: where a release leaves it
    device_id: str
    locale: str
    target: str
    neutral: bool
    push: tuple[str, str, str]

    @property
    def key(self) -> Key:
        return (self.reminder_id, self.occurrence)


@dataclass
class ClaimCounts:
    """What one claim found: claimed, taken back from a dead instance (``resent``: of those,
    the ones it was posting when it died), lost to another instance, skipped (too late after
    downtime), and given up as unknown or expired."""

    claimed: int = 0
    taken_back: int = 0
    resent: int = 0
    lost: int = 0
    skipped: int = 0
    unknown: int = 0
    expired: int = 0


class Claims:
    """One dispatcher's claims: ``owner`` is its name in the database, ``lease`` the seconds a
    claim lasts without renewal. Every method runs one transaction (call them from a thread)."""

    def __init__(self, engine: Engine, lease: int, clock: Callable[[], float]) -> None:
        self.engine = engine
        self.lease = lease
        self.clock = clock
        self.owner = secrets.token_hex(8)
        self.insert = insert_for(engine)
        self.postgres = engine.dialect.name == "postgresql"

    def claim(self, now: int, *, take_back: bool) -> tuple[list[Due], ClaimCounts, bool]:
        """Claim one batch of the reminders due at ``now``, in one transaction; first (with
        ``take_back``) what dead instances left. Returns what to send, the counts, and whether
        more may be due."""
        counts = ClaimCounts()
        with self.engine.begin() as connection:
            taken: list[Due] = []
            if take_back:
                taken = self._take_back(connection, now, counts)
            rows = connection.execute(self._due_query(now)).all()
            in_time = [row for row in rows if now - row.next_fire_at <= LATE_LIMIT]
            claimed = self._insert_deliveries(connection, in_time, now) if in_time else set()
            following = _next_times(rows, now)
            _move_on(connection, rows, following)
        counts.claimed = len(claimed) + len(taken)
        counts.taken_back = len(taken)
        counts.skipped = len(rows) - len(in_time)
        counts.lost = len(in_time) - len(claimed)
        due = taken + [_due(row, following[row.id]) for row in in_time if row.id in claimed]
        return due, counts, len(rows) == BATCH or len(taken) == BATCH

    def mark_posting(self, keys: Sequence[Key]) -> set[Key]:
        """Mark claimed rows as being posted, only those this owner still holds as ``claimed``;
        returns those, the only ones it may post."""
        now = int(self.clock())
        allowed: set[Key] = set()
        with self.engine.begin() as connection:
            for occurrence, ids in _by_occurrence(keys):
                for part in _parts(ids):
                    result = connection.execute(
                        update(deliveries)
                        .where(deliveries.c.occurrence == occurrence)
                        .where(deliveries.c.reminder_id.in_(part))
                        .where(deliveries.c.owner == self.owner)
                        .where(deliveries.c.status == CLAIMED)
                        .values(
                            status=POSTING, lease_until=epoch_now() + self.lease, updated_at=now
                        )
                        .returning(deliveries.c.reminder_id)
                    )
                    allowed.update((reminder_id, occurrence) for reminder_id in result.scalars())
        return allowed

    def renew(self) -> int:
        """Extend this owner's leases (it is alive and working); returns how many."""
        with self.engine.begin() as connection:
            result = connection.execute(
                update(deliveries)
                .where(deliveries.c.owner == self.owner)
                .where(deliveries.c.status.in_(OWNED))
                .values(lease_until=epoch_now() + self.lease)
            )
        return result.rowcount or 0

    def record(
        self,
        results: dict[tuple[str, int, int], list[int]],
        finished: int,
        gone_devices: set[str],
        unsent: Sequence[Due] = (),
    ) -> None:
        """Write outcomes: ``results`` maps (status, attempts, occurrence) to reminder ids.

        Nearly all of a batch shares one key (delivered at the first try, same minute), so
        this is one statement rather than one per reminder. ``unsent`` reminders never left:
        their claim is given back and their time set back to the occurrence, so the next run
        sends them (if that is within ``LATE_LIMIT``).
        """
        with self.engine.begin() as connection:
            for (status, attempts, occurrence), ids in results.items():
                for part in _parts(ids):
                    connection.execute(
                        update(deliveries)
                        .where(deliveries.c.occurrence == occurrence)
                        .where(deliveries.c.reminder_id.in_(part))
                        # Another instance took it over (this one was too slow): its word.
                        .where(deliveries.c.owner == self.owner)
                        .values(status=status, attempts=attempts, updated_at=finished)
                    )
            if gone_devices:
                # The push service says the subscription is gone: so is our copy of it.
                for device_ids in _parts(sorted(gone_devices)):
                    connection.execute(delete(devices).where(devices.c.id.in_(device_ids)))
            released: dict[tuple[int, int], list[int]] = {}
            for item in unsent:
                released.setdefault((item.occurrence, item.following), []).append(item.reminder_id)
            for (occurrence, following), ids in released.items():
                for part in _parts(ids):
                    connection.execute(
                        delete(deliveries)
                        .where(deliveries.c.occurrence == occurrence)
                        .where(deliveries.c.reminder_id.in_(part))
                        .where(deliveries.c.owner == self.owner)
                        .where(deliveries.c.status.in_(OWNED))
                    )
                    # Only where the claim left it: a reminder changed since keeps its new time.
                    connection.execute(
                        update(reminders)
                        .where(reminders.c.id.in_(part))
                        .where(reminders.c.next_fire_at == following)
                        .values(next_fire_at=occurrence)
                    )

    def prune(self, before: int) -> int:
        """Forget delivery records of occurrences before ``before``; returns how many."""
        with self.engine.begin() as connection:
            result = connection.execute(delete(deliveries).where(deliveries.c.occurrence < before))
        return result.rowcount or 0

    # -- inside a claim's transaction -------------------------------------------------------

    def _take_back(self, connection: Connection, now: int, counts: ClaimCounts) -> list[Due]:
        """Take over the claims whose owner died and that are still in time: ``claimed`` rows
        once their lease ran out, ``posting`` rows a margin later. Give up on those too late:
        ``unknown`` if they were being posted (they may have arrived), else ``expired``."""
        margin = min(self.lease, POSTING_MARGIN)
        clock = epoch_now()  # leases are the database's time, whatever this host's clock says
        dead = deliveries.c.owner.is_not(None) & (
            ((deliveries.c.status == CLAIMED) & (deliveries.c.lease_until < clock))
            | ((deliveries.c.status == POSTING) & (deliveries.c.lease_until < clock - margin))
        )
        too_late = deliveries.c.occurrence < now - LATE_LIMIT

        def give_up(status: str, outcome: str) -> int:
            result = connection.execute(
                update(deliveries)
                .where(deliveries.c.status == status)
                .where(dead)
                .where(too_late)
                .values(status=outcome, updated_at=now)
            )
            return result.rowcount or 0

        counts.unknown = give_up(POSTING, UNKNOWN)
        counts.expired = give_up(CLAIMED, EXPIRED)
        stale = (
            select(deliveries.c.reminder_id, deliveries.c.occurrence, deliveries.c.status)
            .where(dead)
            .order_by(deliveries.c.occurrence)
            .limit(BATCH)
        )
        if self.postgres:
            # Another instance taking back at the same time takes other rows.
            stale = stale.with_for_update(skip_locked=True)
        rows = connection.execute(stale).all()
        if not rows:
            return []
        keys = [(row.reminder_id, row.occurrence) for row in rows]
        for part in _parts(keys, 2):
            # Back to ``claimed``: the new owner marks them ``posting`` again at its own gate.
            connection.execute(
                update(deliveries)
                .where(tuple_(deliveries.c.reminder_id, deliveries.c.occurrence).in_(part))
                .values(
                    status=CLAIMED,
                    owner=self.owner,
                    lease_until=epoch_now() + self.lease,
                    updated_at=now,
                )
            )
        found: dict[int, Row[Any]] = {}
        for part in _parts(sorted({reminder_id for reminder_id, _ in keys})):
            query = self._sending_columns().where(reminders.c.id.in_(part))
            found.update((row.id, row) for row in connection.execute(query))
        taken: list[Due] = []
        # Push turned off or the reminder deleted since: nothing to send any more.
        given_up: dict[str, list[Key]] = {EXPIRED: [], UNKNOWN: []}
        for row in rows:
            reminder = found.get(row.reminder_id)
            if reminder is None or reminder.endpoint is None:
                outcome = UNKNOWN if row.status == POSTING else EXPIRED
                given_up[outcome].append((row.reminder_id, row.occurrence))
                continue
            taken.append(_due(reminder, reminder.next_fire_at, occurrence=row.occurrence))
            counts.resent += row.status == POSTING
        for outcome, lost in given_up.items():
            for part in _parts(lost, 2):
                connection.execute(
                    update(deliveries)
                    .where(tuple_(deliveries.c.reminder_id, deliveries.c.occurrence).in_(part))
                    .values(status=outcome, updated_at=now)
                )
        counts.expired += len(given_up[EXPIRED])
        counts.unknown += len(given_up[UNKNOWN])
        return taken

    @staticmethod
    def _sending_columns() -> Select[Any]:
        return select(
            reminders.c.id,
            reminders.c.next_fire_at,
            reminders.c.days,
            reminders.c.time,
            reminders.c.target,
            devices.c.id.label("device_id"),
            devices.c.timezone,
            devices.c.locale,
            devices.c.neutral,
            devices.c.endpoint,
            devices.c.p256dh,
            devices.c.auth,
        ).select_from(reminders.join(devices))

    def _due_query(self, now: int) -> Select[Any]:
        """The oldest ``BATCH`` reminders due at ``now``, with what sending them needs."""
        query = (
            self._sending_columns()
            .where(reminders.c.next_fire_at <= now)
            .order_by(reminders.c.next_fire_at)
            .limit(BATCH)
        )
        if self.postgres:
            # Other processes skip the rows this one holds instead of waiting for them.
            query = query.with_for_update(skip_locked=True, of=reminders)
        return query

    def _insert_deliveries(
        self, connection: Connection, rows: Sequence[Row[Any]], now: int
    ) -> set[int]:
        """Insert a ``claimed`` delivery row for each occurrence; the ids of the reminders
        whose row went in. An occurrence that already has one (another process claimed it) is
        not this process's to send."""
        result = connection.execute(
            self.insert(deliveries)
            .values(lease_until=epoch_now() + self.lease)
            .on_conflict_do_nothing()
            .returning(deliveries.c.reminder_id),
            [
                {
                    "reminder_id": row.id,
                    "occurrence": row.next_fire_at,
                    "status": CLAIMED,
                    "attempts": 0,
                    "updated_at": now,
                    "owner": self.owner,
                }
                for row in rows
            ],
        )
        return {row.reminder_id for row in result}


def _next_times(rows: Sequence[Row[Any]], now: int) -> dict[int, int]:
    """Each reminder's next time after ``now`` (or after its due time, if that is later).

    Reminders with the same schedule, zone and due time share it, so it is worked out once
    for each such group.
    """
    moment = datetime.fromtimestamp(now, UTC)
    by_schedule: dict[tuple[int, str, str, int], int] = {}
    following: dict[int, int] = {}
    for row in rows:
        key = (row.days, row.time, row.timezone, row.next_fire_at)
        if key not in by_schedule:
            after = max(moment, datetime.fromtimestamp(row.next_fire_at, UTC))
            weekly = Weekly.from_mask(row.days, row.time)
            zone = parse_timezone(row.timezone)
            by_schedule[key] = int(next_occurrence(weekly, zone, after).timestamp())
        following[row.id] = by_schedule[key]
    return following


def _move_on(connection: Connection, rows: Sequence[Row[Any]], following: dict[int, int]) -> None:
    """Move each reminder on to its next time, one statement for each (due, next) pair."""
    moves: dict[tuple[int, int], list[int]] = {}
    for row in rows:
        moves.setdefault((row.next_fire_at, following[row.id]), []).append(row.id)
    for (old, new), ids in moves.items():
        for part in _parts(ids):
            # Only if nobody moved it meanwhile: two processes agree on the next time.
            connection.execute(
                update(reminders)
                .where(reminders.c.id.in_(part))
                .where(reminders.c.next_fire_at == old)
                .values(next_fire_at=new)
            )


def _due(row: Row[Any], following: int, *, occurrence: int | None = None) -> Due:
    """A claimed row as the reminder to send."""
    return Due(
        reminder_id=row.id,
        occurrence=row.next_fire_at if occurrence is None else occurrence,
        following=following,
        device_id=row.device_id,
        locale=row.locale,
        target=row.target,
        neutral=bool(row.neutral),
        push=(row.endpoint, row.p256dh, row.auth),
    )


def _by_occurrence(keys: Iterable[Key]) -> Iterator[tuple[int, list[int]]]:
    grouped: dict[int, list[int]] = {}
    for reminder_id, occurrence in keys:
        grouped.setdefault(occurrence, []).append(reminder_id)
    yield from grouped.items()


def _parts(values: Sequence[T], width: int = 1) -> Iterator[Sequence[T]]:
    """``values`` in slices that fit an ``IN (...)`` list on every database; ``width`` is the
    number of parameters each value takes."""
    size = max(1, IN_LIMIT // width)
    for start in range(0, len(values), size):
        yield values[start : start + size]
