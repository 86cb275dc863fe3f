"""Sending the reminders that are due.

One periodic job in every process calls ``Dispatcher.run``; the database decides who sends
what. For each due reminder the dispatcher inserts a delivery row keyed by (reminder,
occurrence): the insert that succeeds claims the occurrence, a second process's insert
conflicts and it sends nothing, and the same occurrence can never be sent twice. Every reminder
it looked at moves on to its next occurrence. A reminder more than ``LATE_LIMIT`` late (the
server was down) is not sent but skipped to its next occurrence, so a restart sends no burst.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
from sqlalchemy import Engine, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..db import deliveries, devices, reminders
from ..push import PushSender, PushTarget
from .schedule import Weekly, next_occurrence, parse_timezone

log = logging.getLogger("houvast.reminders")

LATE_LIMIT = 10 * 60  # seconds
BATCH = 2000
KEEP_DELIVERIES = 8 * 24 * 3600  # a week of records, and a day to spare


@dataclass
class DispatchReport:
    """What one run did, for logs and tests (no personal data)."""

    claimed: int = 0
    delivered: int = 0
    gone: int = 0
    failed: int = 0
    skipped: int = 0
    lost: int = 0  # claimed by another process
    lateness: list[float] = field(default_factory=list)  # seconds after the occurrence

    def add(self, other: DispatchReport) -> None:
        for name in ("claimed", "delivered", "gone", "failed", "skipped", "lost"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.lateness.extend(other.lateness)


@dataclass(frozen=True)
class Due:
    reminder_id: int
    occurrence: int
    device_id: str
    locale: str
    target: str
    push: tuple[str, str, str]


def insert_for(engine: Engine) -> Callable[..., Any]:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING."""
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


class Dispatcher:
    """Claims due reminders in batches and hands them to the push sender."""

    def __init__(
        self,
        engine: Engine,
        sender: PushSender,
        message_for: Callable[[str, str, int], dict[str, Any]],
        *,
        clock: Callable[[], float] = time.time,
        concurrency: int = 64,
    ) -> None:
        self.engine = engine
        self.sender = sender
        self.message_for = message_for
        self.clock = clock
        # 64 requests in flight keep a push service busy; every extra TLS connection costs
        # about 130 KB of buffers in asyncio, which counts at 100,000 reminders a minute.
        self.concurrency = concurrency
        self.insert = insert_for(engine)

    async def run(self) -> DispatchReport:
        """Send everything due now; returns what happened.

        While one batch is being sent, the next is claimed, so the database and the network
        work at the same time.
        """
        report = DispatchReport()
        claiming = asyncio.ensure_future(self._claim_now())
        while True:
            due, batch_report, more = await claiming
            report.add(batch_report)
            if more:
                claiming = asyncio.ensure_future(self._claim_now())
            if due:
                report.add(await self._send(due))
            if not more:
                break
        if report.claimed or report.skipped:
            log.info(
                "dispatch: %d claimed, %d delivered, %d gone, %d failed, %d skipped, %d lost",
                report.claimed,
                report.delivered,
                report.gone,
                report.failed,
                report.skipped,
                report.lost,
            )
        return report

    async def _claim_now(self) -> tuple[list[Due], DispatchReport, bool]:
        return await anyio.to_thread.run_sync(self._claim, int(self.clock()))

    def _claim(self, now: int) -> tuple[list[Due], DispatchReport, bool]:
        report = DispatchReport()
        query = (
            select(
                reminders.c.id,
                reminders.c.next_fire_at,
                reminders.c.days,
                reminders.c.time,
                reminders.c.target,
                devices.c.id.label("device_id"),
                devices.c.timezone,
                devices.c.locale,
                devices.c.endpoint,
                devices.c.p256dh,
                devices.c.auth,
            )
            .select_from(reminders.join(devices))
            .where(reminders.c.next_fire_at <= now)
            .order_by(reminders.c.next_fire_at)
            .limit(BATCH)
        )
        if self.engine.dialect.name == "postgresql":
            # Other processes skip the rows this one holds instead of waiting for them.
            query = query.with_for_update(skip_locked=True, of=reminders)
        with self.engine.begin() as connection:
            rows = connection.execute(query).all()
            fresh = [row for row in rows if now - row.next_fire_at <= LATE_LIMIT]
            report.skipped = len(rows) - len(fresh)
            claimed: set[int] = set()
            if fresh:
                result = connection.execute(
                    self.insert(deliveries)
                    .on_conflict_do_nothing()
                    .returning(deliveries.c.reminder_id),
                    [
                        {
                            "reminder_id": row.id,
                            "occurrence": row.next_fire_at,
                            "status": "sending",
                            "attempts": 0,
                            "updated_at": now,
                        }
                        for row in fresh
                    ],
                )
                claimed = {row.reminder_id for row in result}
            report.claimed = len(claimed)
            report.lost = len(fresh) - len(claimed)
            moment = datetime.fromtimestamp(now, UTC)
            advances = []
            for row in rows:
                after = max(moment, datetime.fromtimestamp(row.next_fire_at, UTC))
                following = next_occurrence(
                    Weekly.from_mask(row.days, row.time), parse_timezone(row.timezone), after
                )
                advances.append(
                    {"rid": row.id, "old": row.next_fire_at, "new": int(following.timestamp())}
                )
            if advances:
                # Only if nobody moved it meanwhile: two processes agree on the next time anyway.
                connection.execute(
                    update(reminders)
                    .where(reminders.c.id == bindparam("rid"))
                    .where(reminders.c.next_fire_at == bindparam("old"))
                    .values(next_fire_at=bindparam("new")),
                    advances,
                )
        due = [
            Due(
                reminder_id=row.id,
                occurrence=row.next_fire_at,
                device_id=row.device_id,
                locale=row.locale,
                target=row.target,
                push=(row.endpoint, row.p256dh, row.auth),
            )
            for row in fresh
            if row.id in claimed
        ]
        return due, report, len(rows) == BATCH

    async def _send(self, due: Sequence[Due]) -> DispatchReport:
        report = DispatchReport()
        started = self.clock()
        items = [
            (
                PushTarget(*item.push),
                self.message_for(item.locale, item.target, item.reminder_id),
                f"r{item.reminder_id}",
            )
            for item in due
        ]
        outcomes = await self.sender.send_many(items, concurrency=self.concurrency)
        finished = self.clock()
        report.lateness = [started - item.occurrence for item in due]
        results = []
        gone_devices = set()
        for item, outcome in zip(due, outcomes, strict=True):
            kind = outcome.kind
            if kind == "delivered":
                report.delivered += 1
            elif kind == "gone":
                report.gone += 1
                gone_devices.add(item.device_id)
            else:
                report.failed += 1
            results.append(
                {
                    "rid": item.reminder_id,
                    "occ": item.occurrence,
                    "status": kind,
                    "attempts": outcome.attempts,
                    "at": int(finished),
                }
            )
        await anyio.to_thread.run_sync(self._record, results, gone_devices)
        return report

    def _record(self, results: list[dict[str, Any]], gone_devices: set[str]) -> None:
        with self.engine.begin() as connection:
            if results:
                connection.execute(
                    update(deliveries)
                    .where(deliveries.c.reminder_id == bindparam("rid"))
                    .where(deliveries.c.occurrence == bindparam("occ"))
                    .values(
                        status=bindparam("status"),
                        attempts=bindparam("attempts"),
                        updated_at=bindparam("at"),
                    ),
                    results,
                )
            if gone_devices:
                # The push service says the subscription is gone: so is our copy of it.
                connection.execute(delete(devices).where(devices.c.id.in_(gone_devices)))

    def prune(self) -> int:
        """Forget delivery records older than a week; returns how many."""
        cutoff = int(self.clock()) - KEEP_DELIVERIES
        with self.engine.begin() as connection:
            result = connection.execute(delete(deliveries).where(deliveries.c.occurrence < cutoff))
        return result.rowcount or 0
