"""Sending the reminders that are due.

One periodic job in every process calls ``Dispatcher.run``; the database decides who sends
what (server/reminders/claims.py): each occurrence is claimed by one process, with a lease, and
marked just before it is posted, so it is sent once when several processes share the work, and
still sent when one of them dies in the middle (again, if it may have left already). Every
reminder it looked at moves on to its next occurrence.
A reminder more than ``LATE_LIMIT`` late (the server was down) is not sent but skipped to its
next occurrence, so a restart sends no burst.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import anyio
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from ..push import Batch, Outcome, PushSender, PushTarget
from ..push.sender import TIMEOUT as REQUEST_TIMEOUT
from ..uninterrupted import uninterrupted
from .claims import LATE_LIMIT, ClaimCounts, Claims, Due
from .messages import MessageFor
from .metrics import DispatchMetrics

log = logging.getLogger("houvast.reminders")

__all__ = ["LATE_LIMIT", "DispatchReport", "Dispatcher"]

KEEP_DELIVERIES = 8 * 24 * 3600  # a week of records, and a day to spare
# Seconds a stopping run lets the requests under way end: longer than a request's timeout,
# so each has its answer, or has timed out, before the run records it. Only one without an
# answer (it may have arrived) is given back and sent again later.
STOP_GRACE = REQUEST_TIMEOUT + 2
# Outcomes are written for this many messages at a time, as they settle: the fewer settled
# but unwritten at a crash, the fewer are sent twice.
RECORD_GROUP = 256
RECORD_WAIT = 2.0  # seconds between writes for a group whose messages settle apart


@dataclass
class DispatchReport:
    """What one run did, for logs, metrics and tests (no personal data)."""

    due: int = 0  # found due at their time: claimed here or elsewhere, or skipped
    claimed: int = 0
    delivered: int = 0
    gone: int = 0
    failed: int = 0
    unknown: int = 0  # a dead instance was posting it and it was found too late to resend
    skipped: int = 0
    lost: int = 0  # claimed by another process
    released: int = 0  # claimed, not sent or not answered (the run was stopped): due again
    taken_back: int = 0  # claims of a dead instance, sent by this one
    resent: int = 0  # of those, the ones it was posting: they may arrive twice (same occurrence)
    expired: int = 0  # claims of a dead instance found too late to send
    latest: float = 0.0  # seconds after its time that the last message settled

    def add(self, other: DispatchReport) -> None:
        """Add ``other``'s counts to these (attributes by name: a rename is a type error)."""
        self.due += other.due
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.gone += other.gone
        self.failed += other.failed
        self.unknown += other.unknown
        self.skipped += other.skipped
        self.lost += other.lost
        self.released += other.released
        self.taken_back += other.taken_back
        self.resent += other.resent
        self.expired += other.expired
        self.latest = max(self.latest, other.latest)

    def counts(self) -> dict[str, int]:
        """The counts /metrics shows, read as attributes so a rename is a type error."""
        return {
            "due": self.due,
            "claimed": self.claimed,
            "delivered": self.delivered,
            "gone": self.gone,
            "failed": self.failed,
            "unknown": self.unknown,
            "skipped": self.skipped,
            "taken_back": self.taken_back,
            "resent": self.resent,
            "expired": self.expired,
            "released": self.released,
        }

    @classmethod
    def of_claim(cls, counts: ClaimCounts) -> DispatchReport:
        return cls(
            due=counts.claimed - counts.taken_back + counts.skipped + counts.lost,
            claimed=counts.claimed,
            skipped=counts.skipped,
            lost=counts.lost,
            taken_back=counts.taken_back,
            resent=counts.resent,
            unknown=counts.unknown,
            expired=counts.expired,
        )


# What a claim gives: the reminders to send, what happened, and whether more may be due.
Claim = tuple[list[Due], ClaimCounts, bool]


@dataclass
class _Run:
    """One run's moving parts, so that winding down sees what is under way."""

    batch: Batch
    report: DispatchReport = field(default_factory=DispatchReport)
    settling: list[asyncio.Task[DispatchReport]] = field(default_factory=list)
    claiming: asyncio.Future[Claim] | None = None  # the claim under way
    error: BaseException | None = None


class Dispatcher:
    """Claims due reminders in batches and hands them to the push sender.

    ``lease`` is how long a claim lasts without renewal (HOUVAST_CLAIM_LEASE); while a run
    works it renews its claims every third of that.
    """

    def __init__(
        self,
        engine: Engine,
        sender: PushSender,
        message_for: MessageFor,
        *,
        clock: Callable[[], float] = time.time,
        concurrency: int = 64,
        lease: int = 60,
        metrics: DispatchMetrics | None = None,
    ) -> None:
        self.engine = engine
        self.sender = sender
        self.message_for = message_for
        self.clock = clock
        # 64 requests in flight keep a push service busy; every extra TLS connection costs
        # about 130 KB of buffers in asyncio, which counts at 100,000 reminders a minute.
        self.concurrency = concurrency
        self.claims = Claims(engine, lease, clock)
        self.metrics = metrics or DispatchMetrics()
        self._runs: set[asyncio.Task[Any]] = set()
        self._stopping = False

    @property
    def owner(self) -> str:
        """This dispatcher's name on its claims."""
        return self.claims.owner

    async def run(self) -> DispatchReport:
        """Send everything due now; returns what happened.

        The work flows: while the sender posts one batch, the next is claimed, and outcomes
        are recorded as they settle, so the database, the encryption worker and the network
        work at the same time. If something fails (the database), what was claimed is still
        sent and recorded, then the error is raised. If the run is cancelled (the server
        stops), the requests under way get ``STOP_GRACE`` to be answered; what was claimed but
        never left, or got no answer, is released, to be sent by the next run.
        """
        this = asyncio.current_task()
        assert this is not None  # a coroutine always runs in a task
        self._runs.add(this)
        run = _Run(self.sender.batch(self.concurrency, gate=self._gate))
        beat = asyncio.create_task(self._renew_leases())
        try:
            await self._stream(run)
        except BaseException as error:
            run.error = error
        try:
            # Winding down is not cut short by a second cancel: what was sent gets recorded
            # and what was not gets released, whatever happens meanwhile.
            await uninterrupted(self._wind_down(run))
        finally:
            beat.cancel()
            self._runs.discard(this)
            self.metrics.count(run.report.counts())
            self._log(run.report)
        if run.error is not None:
            if not isinstance(run.error, asyncio.CancelledError):
                self.metrics.failed(_cause(run.error))
            raise run.error
        return run.report

    async def scheduled_run(self) -> None:
        """The scheduler's job: a run, and nothing raised when the server stops it (the run
        has given back what it claimed; a stop is no error)."""
        try:
            await self.run()
        except asyncio.CancelledError:
            if not self._stopping:
                raise

    async def stop(self) -> None:
        """Stop the runs under way and wait until they have recorded and released what they
        claimed (the server is shutting down)."""
        self._stopping = True
        runs = list(self._runs)
        for run in runs:
            run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)

    async def _stream(self, run: _Run) -> None:
        run.claiming = asyncio.ensure_future(self._claim_now(take_back=True))
        while run.claiming is not None:
            # Shielded: a claim runs to its end in its thread whatever happens here; if this
            # run stops meanwhile, winding down releases what it took.
            due, counts, more = await asyncio.shield(run.claiming)
            run.claiming = asyncio.ensure_future(self._claim_now()) if more else None
            run.report.add(DispatchReport.of_claim(counts))
            if due:
                outcomes: list[asyncio.Future[Outcome]] = []
                try:
                    for item in due:
                        message = self.message_for(
                            item.locale,
                            item.target,
                            item.reminder_id,
                            item.neutral,
                            item.occurrence,
                        )
                        outcomes.append(
                            await run.batch.add(
                                PushTarget(*item.push), message, f"r{item.reminder_id}", item.key
                            )
                        )
                finally:
                    # Those without an outcome (the run stopped while adding) are released.
                    for start in range(0, len(due), RECORD_GROUP):
                        end = start + RECORD_GROUP
                        settling = self._settle(due[start:end], outcomes[start:end])
                        run.settling.append(asyncio.create_task(settling))
        await run.batch.finish()

    async def _gate(self, keys: Sequence[Any]) -> set[Any]:
        """Before a group of messages is posted: mark them, and post only those still ours."""
        keys = list(keys)
        try:
            return await anyio.to_thread.run_sync(self.claims.mark_posting, keys)
        except Exception:
            # Nothing was marked: the claims stay, and are taken back once their lease ends.
            log.exception("dispatch: marking %d messages as posting failed", len(keys))
            return set()

    async def _renew_leases(self) -> None:
        while True:
            await asyncio.sleep(max(1.0, self.claims.lease / 3))
            try:
                await anyio.to_thread.run_sync(self.claims.renew)
            except Exception:
                log.exception("dispatch: renewing claims failed")

    async def _wind_down(self, run: _Run) -> None:
        if isinstance(run.error, Exception):
            # Most likely the database failed: what was claimed goes out all the same.
            try:
                await run.batch.finish()
            except Exception:
                await run.batch.cancel()
        elif run.error is not None:
            # Stopped: what has not left is released, and so is what got no answer in time.
            await run.batch.cancel(grace=STOP_GRACE)
        if run.claiming is not None:
            # A claim under way commits in its thread; what it took is given back.
            try:
                unsent, counts, _ = await run.claiming
            except Exception:
                pass  # that claim failed: it took nothing
            else:
                run.report.add(DispatchReport.of_claim(counts))
                run.settling.append(asyncio.create_task(self._settle(unsent, [])))
        for settled in await asyncio.gather(*run.settling, return_exceptions=True):
            if isinstance(settled, DispatchReport):
                run.report.add(settled)
            else:
                log.error("dispatch: recording outcomes failed", exc_info=settled)

    def _log(self, report: DispatchReport) -> None:
        if report.claimed or report.skipped or report.unknown or report.expired:
            log.info(
                "dispatch: %d claimed (%d taken back, %d of them resent), %d delivered, "
                "%d gone, %d failed, "
                "%d unknown, %d released, %d skipped, %d expired, %d lost; "
                "the last settled %.1f s after its time",
                report.claimed,
                report.taken_back,
                report.resent,
                report.delivered,
                report.gone,
                report.failed,
                report.unknown,
                report.released,
                report.skipped,
                report.expired,
                report.lost,
                report.latest,
            )

    async def _claim_now(self, take_back: bool = False) -> Claim:
        now = int(self.clock())
        return await anyio.to_thread.run_sync(lambda: self.claims.claim(now, take_back=take_back))

    async def _settle(
        self, due: Sequence[Due], outcomes: Sequence[asyncio.Future[Outcome]]
    ) -> DispatchReport:
        """Wait for a group's outcomes and record them: all at once when they settle together
        (nearly always), else what has settled every ``RECORD_WAIT`` seconds, so that a
        message waiting to be retried does not keep the others unrecorded.

        A message whose future was cancelled (or that has none) never left: its claim is
        released. So is one stopped without an answer: it may have arrived, and is sent again
        as the same occurrence. One withdrawn at its gate (taken back by another instance, or
        deleted meanwhile) is not this run's."""
        report = DispatchReport()
        # Those without a future (the run stopped while adding them) never left.
        never_left: list[tuple[Due, Outcome | None]] = [
            (item, None) for item in due[len(outcomes) :]
        ]
        waiting = dict(zip(outcomes, due, strict=False))
        while waiting:
            done, _ = await asyncio.wait(set(waiting), timeout=RECORD_WAIT)
            if done:
                settled = [(waiting.pop(future), _result(future)) for future in done]
                await self._record(report, settled + never_left)
                never_left = []
        if never_left:
            await self._record(report, never_left)
        return report

    async def _record(
        self, report: DispatchReport, settled: Sequence[tuple[Due, Outcome | None]]
    ) -> None:
        finished = self.clock()
        results: dict[tuple[str, int, int], list[int]] = {}
        gone_devices = set()
        unsent = []
        for item, outcome in settled:
            if outcome is None or outcome.kind == "interrupted":
                unsent.append(item)
                continue
            kind = outcome.kind
            if kind == "withdrawn":
                report.lost += 1
                continue
            if kind == "delivered":
                report.delivered += 1
                self.metrics.lateness(finished - item.occurrence)
            elif kind == "gone":
                report.gone += 1
                gone_devices.add(item.device_id)
            else:
                report.failed += 1
            key = (kind, outcome.attempts, item.occurrence)
            results.setdefault(key, []).append(item.reminder_id)
            report.latest = max(report.latest, finished - item.occurrence)
        report.released += len(unsent)
        await anyio.to_thread.run_sync(
            self.claims.record, results, int(finished), gone_devices, unsent
        )

    def prune(self) -> int:
        """Forget delivery records older than a week; returns how many."""
        return self.claims.prune(int(self.clock()) - KEEP_DELIVERIES)


def _result(future: asyncio.Future[Outcome]) -> Outcome | None:
    """A settled message's outcome; ``None`` if it never left (its future was cancelled)."""
    return None if future.cancelled() else future.result()


def _cause(error: BaseException) -> str:
    """What a failed run's error says about where to look (the alert names it)."""
    if isinstance(error, DBAPIError):
        return "database"
    if isinstance(error, (aiohttp.ClientError, OSError)):
        return "push"
    return "other"
