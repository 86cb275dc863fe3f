"""The machinery behind ``PushSender.batch``: places for requests in flight, and chunks of
messages encrypted ahead in worker processes while the event loop posts the ones before. The
batch reaches the sender only through ``Courier`` (courier.py): how to prepare, encrypt and
post one message.

A batch is a stream: messages can be added for as long as it is open, each answered by a
future, so a caller with a long queue (the dispatcher, claiming reminders from the database
batch after batch) keeps the encryption workers and the connections busy without a pause
between its batches.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Hashable, Sequence
from typing import Any, NamedTuple

from ..uninterrupted import uninterrupted
from .courier import Courier, Place
from .encryption import Job, encrypt
from .outcome import INTERRUPTED, NOT_SENT, WITHDRAWN, Outcome
from .subscriptions import PushTarget, host_of

log = logging.getLogger("houvast.push")

CHUNK = 256  # messages handed to an encryption worker at once
# Chunks queued for each worker beyond the one it works on. Posting a chunk takes about as long
# as encrypting one, so with less a worker would wait for the event loop between chunks.
QUEUED_PER_WORKER = 3

# Asked before a group of messages is posted, with their keys: which of them may go. The
# dispatcher marks them in the database there, so a message is never posted by two instances.
Gate = Callable[[Sequence[Hashable]], Awaitable[Collection[Hashable]]]
# Messages per question to the gate (a group is a slice of a chunk: at most CHUNK), and how
# many may wait let through before the next group is asked about: so at most
# GATE_AHEAD - 1 + GATE_GROUP are marked and waiting for a place. The gate writes to the
# database: with groups of 32 that write took a tenth of the server's time at 100,000 a minute
# (py-spy), with 128 still 6 %. What a crash leaves marked but not yet posted is sent by the
# next instance, once.
GATE_GROUP = CHUNK
GATE_AHEAD = CHUNK


class _Item(NamedTuple):
    outcome: asyncio.Future[Outcome]
    target: PushTarget
    data: bytes
    topic: str
    key: Hashable

    @property
    def job(self) -> Job:
        return (self.target.endpoint, self.target.p256dh, self.target.auth, self.data)


_Ready = tuple[_Item, bytes | None]  # a message and its encrypted body (None: not yet)


class _Chunk(NamedTuple):
    items: list[_Item]
    bodies: asyncio.Future[list[bytes | None]] | None  # None: encrypted by each task


class Batch:
    """Messages sent together: ``add`` each (its outcome is a future), then ``finish``.

    ``add`` gathers messages into chunks and starts encrypting each full chunk; a launcher
    task takes the chunks in order as their encryption finishes and starts a request for each
    message as soon as a place is free. ``add`` waits while ``depth`` chunks are queued, so a
    fast producer cannot run far ahead of the network.

    With a ``gate``, the launcher asks it about the messages in groups (by the ``key`` given
    to ``add``), a little ahead of posting them, and posts only those it lets through; the
    others settle as ``withdrawn``.
    """

    def __init__(self, courier: Courier, concurrency: int, gate: Gate | None = None) -> None:
        self.courier = courier
        self.gate = gate
        self.slots = asyncio.Semaphore(concurrency)
        self.running: set[asyncio.Task[None]] = set()
        self.pending: set[asyncio.Future[Outcome]] = set()  # outcomes not settled yet
        self.chunk: list[_Item] = []
        encryptor = courier.encryptor
        depth = encryptor.workers * (1 + QUEUED_PER_WORKER) if encryptor.parallel else 1
        # Chunks whose encryption has started (future None: each task encrypts its own
        # message); None ends the stream.
        self.queue: asyncio.Queue[_Chunk | None] = asyncio.Queue(depth)
        self.launcher = asyncio.create_task(self._launch())

    async def add(
        self, target: PushTarget, payload: dict[str, Any], topic: str, key: Hashable = None
    ) -> asyncio.Future[Outcome]:
        """Queue one message; waits while the batch has its fill of messages under way.

        The future settles with the message's ``Outcome``; a message that cannot be sent (bad
        payload or topic) settles at once as failed, with an error in the log.
        """
        if self.launcher.done():
            raise RuntimeError("this batch was cancelled or finished")
        outcome: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        try:
            data = self.courier.prepare(payload, topic)
        except ValueError as exc:
            log.error("push to %s not sent: %s", host_of(target.endpoint), exc)
            outcome.set_result(NOT_SENT)
            return outcome
        self.pending.add(outcome)
        outcome.add_done_callback(self.pending.discard)
        self.chunk.append(_Item(outcome, target, data, topic, key))
        if len(self.chunk) == CHUNK:
            await self._encrypt_ahead()
        return outcome

    async def finish(self) -> None:
        """Send what is queued and wait until every message has settled."""
        if not self.launcher.done():  # else cancelled: nothing is queued any more
            if self.chunk:
                await self._encrypt_ahead()
            await self.queue.put(None)
            await self.launcher
        while self.running:
            await asyncio.wait(set(self.running))

    async def cancel(self, grace: float = 0.0) -> None:
        """Stop sending: no new request starts, and those under way get ``grace`` seconds to
        be answered before they are stopped too.

        The future of a message that never left is cancelled; one whose request had started
        and had no answer in time settles as ``INTERRUPTED`` (it may have arrived).
        """
        self.launcher.cancel()
        self.chunk = []
        while not self.queue.empty():
            queued = self.queue.get_nowait()
            if queued is not None and queued.bodies is not None:
                queued.bodies.cancel()
        try:
            await uninterrupted(self._stop(grace))
        finally:
            # Every task has ended; those cancelled before their first step never ran, so
            # their messages never left.
            for outcome in list(self.pending):
                outcome.cancel()

    async def _stop(self, grace: float) -> None:
        await asyncio.gather(self.launcher, return_exceptions=True)
        if grace > 0 and self.running:
            await asyncio.wait(set(self.running), timeout=grace)
        for task in self.running:
            task.cancel()
        await asyncio.gather(*self.running, return_exceptions=True)

    async def _encrypt_ahead(self) -> None:
        chunk, self.chunk = self.chunk, []
        encryptor = self.courier.encryptor
        bodies = encryptor.submit([item.job for item in chunk]) if encryptor.parallel else None
        await self.queue.put(_Chunk(chunk, bodies))

    async def _launch(self) -> None:
        ready: deque[_Ready] = deque()  # let through by the gate, waiting for a place
        groups = self._groups()
        marking: asyncio.Task[list[_Ready] | None] | None = None
        more = True
        try:
            while True:
                if more and marking is None and len(ready) < GATE_AHEAD:
                    # The next group goes through the gate while these are posted.
                    marking = asyncio.create_task(self._through_gate(groups))
                if not ready or (marking is not None and marking.done()):
                    if marking is None:
                        break
                    passed = await marking
                    marking = None
                    if passed is None:
                        more = False
                    else:
                        ready.extend(passed)
                    continue
                # Taking the place before creating the task keeps at most ``concurrency``
                # tasks alive (plus those waiting to retry), however many messages there are.
                await self.slots.acquire()
                item, body = ready.popleft()
                task = asyncio.create_task(self._one(item, body))
                self.running.add(task)
                task.add_done_callback(self.running.discard)
        finally:
            if marking is not None:
                marking.cancel()
                await asyncio.gather(marking, return_exceptions=True)

    async def _groups(self) -> AsyncIterator[list[_Ready]]:
        """The messages in order, encrypted, in groups for the gate."""
        size = GATE_GROUP if self.gate is not None else CHUNK
        while (chunk := await self.queue.get()) is not None:
            bodies = await self.courier.encryptor.collect(chunk.bodies, len(chunk.items))
            encrypted = list(zip(chunk.items, bodies, strict=True))
            for start in range(0, len(encrypted), size):
                yield encrypted[start : start + size]

    async def _through_gate(self, groups: AsyncIterator[list[_Ready]]) -> list[_Ready] | None:
        """The next group's messages that the gate lets go (the others settle as withdrawn);
        ``None`` when the stream has ended."""
        group = await anext(groups, None)
        if group is None or self.gate is None:
            return group
        allowed = await self.gate([item.key for item, _ in group])
        passed = []
        for item, body in group:
            if item.key in allowed:
                passed.append((item, body))
            elif not item.outcome.done():
                item.outcome.set_result(WITHDRAWN)
        return passed

    async def _one(self, item: _Item, body: bytes | None) -> None:
        place = Place(self.slots)
        try:
            if body is None:
                body = encrypt(item.target, item.data)
            outcome = await self.courier.deliver(item.target, body, item.topic, place)
        except asyncio.CancelledError:
            # Stopped while the request was under way: it may have reached the push service.
            # The caller decides (the dispatcher sends it again as the same occurrence).
            if not item.outcome.done():
                item.outcome.set_result(INTERRUPTED)
            raise
        except Exception:
            log.exception("push to %s: unexpected error", host_of(item.target.endpoint))
            outcome = NOT_SENT
        finally:
            place.give_back()
        if not item.outcome.done():  # the caller may have stopped waiting for it
            item.outcome.set_result(outcome)
