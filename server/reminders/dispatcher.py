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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio
from sqlalchemy import Connection, Engine, Row, Select, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..db import deliveries, devices, reminders
from ..push import Batch, Outcome, PushSender, PushTarget
from ..uninterrupted import uninterrupted
from .schedule import Weekly, next_occurrence, parse_timezone

log = logging.getLogger("houvast.reminders")

T = TypeVar("T")

LATE_LIMIT = 10 * 60  # seconds
BATCH = 2000
IN_LIMIT = 900  # values in one IN (...) list: under SQLite's oldest limit of 999 parameters
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
    released: int = 0  # claimed, not sent (the run was stopped): due again
    latest: float = 0.0  # seconds after its time that the last message settled

    def add(self, other: DispatchReport) -> None:
        for name in ("claimed", "delivered", "gone", "failed", "skipped", "lost", "released"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.latest = max(self.latest, other.latest)


@dataclass(frozen=True)
class Due:
    reminder_id: int
    occurrence: int
    following: int  # the next time the claim moved the reminder on to
    device_id: str
    locale: str
    target: str
    push: tuple[str, str, str]


# What a claim gives: the reminders to send, what happened, and whether more may be due.
Claim = tuple[list[Due], DispatchReport, bool]


@dataclass
class _Run:
    """One run's moving parts, so that winding down sees what is under way."""

    batch: Batch
    report: DispatchReport = field(default_factory=DispatchReport)
    settling: list[asyncio.Task[DispatchReport]] = field(default_factory=list)
    claiming: asyncio.Future[Claim] | None = None  # the claim under way
    error: BaseException | None = None


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
        self._runs: set[asyncio.Task[Any]] = set()

    async def run(self) -> DispatchReport:
        """Send everything due now; returns what happened.

        The work flows: while the sender posts one batch, the next is claimed, and the outcomes
        of the one before are recorded, so the database, the encryption worker and the network
        work at the same time. If something fails (the database), what was claimed is still
        sent and recorded, then the error is raised. If the run is cancelled (the server
        stops), what was claimed but never left is released, to be sent by the next run.
        """
        this = asyncio.current_task()
        assert this is not None  # a coroutine always runs in a task
        self._runs.add(this)
        run = _Run(self.sender.batch(self.concurrency))
        try:
            await self._stream(run)
        except BaseException as error:
            run.error = error
        try:
            # Winding down is not cut short by a second cancel: what was sent gets recorded
            # and what was not gets released, whatever happens meanwhile.
            await uninterrupted(self._wind_down(run))
        finally:
            self._runs.discard(this)
            self._log(run.report)
        if run.error is not None:
            raise run.error
        return run.report

    async def stop(self) -> None:
        """Stop the runs under way and wait until they have recorded and released what they
        claimed (the server is shutting down)."""
        runs = list(self._runs)
        for run in runs:
            run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)

    async def _stream(self, run: _Run) -> None:
        run.claiming = asyncio.ensure_future(self._claim_now())
        while run.claiming is not None:
            # Shielded: a claim runs to its end in its thread whatever happens here; if this
            # run stops meanwhile, winding down releases what it took.
            due, claim_report, more = await asyncio.shield(run.claiming)
            run.claiming = asyncio.ensure_future(self._claim_now()) if more else None
            run.report.add(claim_report)
            if due:
                outcomes: list[asyncio.Future[Outcome]] = []
                try:
                    for item in due:
                        message = self.message_for(item.locale, item.target, item.reminder_id)
                        target = PushTarget(*item.push)
                        outcomes.append(
                            await run.batch.add(target, message, f"r{item.reminder_id}")
                        )
                finally:
                    # Those without an outcome (the run stopped while adding) are released.
                    run.settling.append(asyncio.create_task(self._settle(due, outcomes)))
        await run.batch.finish()

    async def _wind_down(self, run: _Run) -> None:
        if isinstance(run.error, Exception):
            # Most likely the database failed: what was claimed goes out all the same.
            try:
                await run.batch.finish()
            except Exception:
                await run.batch.cancel()
        elif run.error is not None:
            await run.batch.cancel()  # stopped: what has not left is released
        if run.claiming is not None:
            # A claim under way commits in its thread; what it took is given back.
            try:
                unsent, claim_report, _ = await run.claiming
            except Exception:
                pass  # that claim failed: it took nothing
            else:
                run.report.add(claim_report)
                run.settling.append(asyncio.create_task(self._settle(unsent, [])))
        for settled in await asyncio.gather(*run.settling, return_exceptions=True):
            if isinstance(settled, DispatchReport):
                run.report.add(settled)
            else:
                log.error("dispatch: recording outcomes failed", exc_info=settled)

    def _log(self, report: DispatchReport) -> None:
        if report.claimed or report.skipped:
            log.info(
                "dispatch: %d claimed, %d delivered, %d gone, %d failed, %d released, "
                "%d skipped, %d lost; the last settled %.1f s after its time",
                report.claimed,
                report.delivered,
                report.gone,
                report.failed,
                report.released,
                report.skipped,
                report.lost,
                report.latest,
            )

    async def _claim_now(self) -> Claim:
        return await anyio.to_thread.run_sync(self._claim, int(self.clock()))

    def _claim(self, now: int) -> Claim:
        """Claim one batch of the reminders due at ``now``, in one transaction.

        Those too late are skipped; the rest are claimed by inserting their delivery rows,
        where another process may have been first; all of them move on to their next time.
        """
        with self.engine.begin() as connection:
            rows = connection.execute(self._due_query(now)).all()
            in_time = _in_time(rows, now)
            claimed = self._insert_deliveries(connection, in_time, now) if in_time else set()
            following = _next_times(rows, now)
            _move_on(connection, rows, following)
        report = DispatchReport(
            claimed=len(claimed),
            skipped=len(rows) - len(in_time),
            lost=len(in_time) - len(claimed),
        )
        due = [_due(row, following[row.id]) for row in in_time if row.id in claimed]
        return due, report, len(rows) == BATCH

    def _due_query(self, now: int) -> Select[Any]:
        """The oldest ``BATCH`` reminders due at ``now``, with what sending them needs."""
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
        return query

    def _insert_deliveries(
        self, connection: Connection, rows: Sequence[Row[Any]], now: int
    ) -> set[int]:
        """Insert a "sending" delivery row for each occurrence; the ids of the reminders whose
        row went in. An occurrence that already has one (another process claimed it) is not
        this process's to send."""
        result = connection.execute(
            self.insert(deliveries).on_conflict_do_nothing().returning(deliveries.c.reminder_id),
            [
                {
                    "reminder_id": row.id,
                    "occurrence": row.next_fire_at,
                    "status": "sending",
                    "attempts": 0,
                    "updated_at": now,
                }
                for row in rows
            ],
        )
        return {row.reminder_id for row in result}

    async def _settle(
        self, due: Sequence[Due], outcomes: Sequence[asyncio.Future[Outcome]]
    ) -> DispatchReport:
        """Wait for a claimed batch's outcomes and record them. A message whose future was
        cancelled (or that has none) never left: its claim is released."""
        settled = await asyncio.gather(*outcomes, return_exceptions=True)
        settled += [asyncio.CancelledError()] * (len(due) - len(settled))
        report = DispatchReport()
        finished = self.clock()
        results: dict[tuple[str, int, int], list[int]] = {}
        gone_devices = set()
        unsent = []
        for item, outcome in zip(due, settled, strict=True):
            if not isinstance(outcome, Outcome):
                unsent.append(item)
                continue
            kind = outcome.kind
            if kind == "delivered":
                report.delivered += 1
            elif kind == "gone":
                report.gone += 1
                gone_devices.add(item.device_id)
            else:
                report.failed += 1
            key = (kind, outcome.attempts, item.occurrence)
            results.setdefault(key, []).append(item.reminder_id)
            report.latest = max(report.latest, finished - item.occurrence)
        report.released = len(unsent)
        await anyio.to_thread.run_sync(self._record, results, int(finished), gone_devices, unsent)
        return report

    def _record(
        self,
        results: dict[tuple[str, int, int], list[int]],
        finished: int,
        gone_devices: set[str],
        unsent: Sequence[Due] = (),
    ) -> None:
        """Write outcomes: ``results`` maps (status, attempts, occurrence) to reminder ids.

        Nearly all of a batch shares one key (delivered at the first try, same minute), so
        this is one statement rather than one per reminder. ``unsent`` reminders get their
        claim back and their time set back to the occurrence, so the next run sends them
        (if that is within ``LATE_LIMIT``).
        """
        with self.engine.begin() as connection:
            for (status, attempts, occurrence), ids in results.items():
                for part in _parts(ids):
                    connection.execute(
                        update(deliveries)
                        .where(deliveries.c.occurrence == occurrence)
                        .where(deliveries.c.reminder_id.in_(part))
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
                        .where(deliveries.c.status == "sending")
                    )
                    # Only where the claim left it: a reminder changed since keeps its new time.
                    connection.execute(
                        update(reminders)
                        .where(reminders.c.id.in_(part))
                        .where(reminders.c.next_fire_at == following)
                        .values(next_fire_at=occurrence)
                    )

    def prune(self) -> int:
        """Forget delivery records older than a week; returns how many."""
        cutoff = int(self.clock()) - KEEP_DELIVERIES
        with self.engine.begin() as connection:
            result = connection.execute(delete(deliveries).where(deliveries.c.occurrence < cutoff))
        return result.rowcount or 0


def _in_time(rows: Sequence[Row[Any]], now: int) -> list[Row[Any]]:
    """The rows at most ``LATE_LIMIT`` late: the others (the server was down) are skipped."""
    return [row for row in rows if now - row.next_fire_at <= LATE_LIMIT]


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


def _due(row: Row[Any], following: int) -> Due:
    """A claimed row as the reminder to send."""
    return Due(
        reminder_id=row.id,
        occurrence=row.next_fire_at,
        following=following,
        device_id=row.device_id,
        locale=row.locale,
        target=row.target,
        push=(row.endpoint, row.p256dh, row.auth),
    )


def _parts(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """``values`` in slices that fit an ``IN (...)`` list on every database."""
    size = IN_LIMIT
    for start in range(0, len(values), size):
        yield values[start : start + size]
