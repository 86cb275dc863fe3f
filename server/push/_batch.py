"""The machinery behind ``PushSender.send_many``: places for requests in flight, and chunks of
messages encrypted ahead in worker processes while the event loop posts the chunk before."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from .encryption import Job, encrypt
from .outcome import NOT_SENT, Outcome
from .subscriptions import PushTarget

if TYPE_CHECKING:
    from .sender import PushSender

log = logging.getLogger("houvast.push")

CHUNK = 128  # messages handed to an encryption worker at once


class Place:
    """A place for one request in flight; given back while its message waits to be retried."""

    __slots__ = ("held", "slots")

    def __init__(self, slots: asyncio.Semaphore) -> None:
        self.slots = slots
        self.held = True

    def give_back(self) -> None:
        """Let another message use the place (idempotent)."""
        if self.held:
            self.held = False
            self.slots.release()

    async def take(self) -> None:
        """Wait for a place again."""
        await self.slots.acquire()
        self.held = True


class _Item(NamedTuple):
    position: int
    target: PushTarget
    data: bytes
    topic: str

    @property
    def job(self) -> Job:
        return (self.target.endpoint, self.target.p256dh, self.target.auth, self.data)


class Batch:
    """One ``send_many`` call: ``add`` each message, then ``finish`` for the outcomes."""

    def __init__(self, sender: PushSender, concurrency: int) -> None:
        self.sender = sender
        self.slots = asyncio.Semaphore(concurrency)
        self.outcomes: list[Outcome] = []
        self.running: set[asyncio.Task[None]] = set()
        self.chunk: list[_Item] = []
        # Chunks whose encryption has started in a worker (future None: each task encrypts its
        # own message). One more chunk than there are workers keeps every worker busy.
        self.ahead: deque[tuple[list[_Item], asyncio.Future[list[bytes | None]] | None]] = deque()
        self.depth = sender._encryptor.workers + 1

    async def add(self, target: PushTarget, payload: dict[str, Any], topic: str) -> None:
        """Queue one message; waits while ``concurrency`` requests are in flight."""
        index = len(self.outcomes)
        # Stays "failed, 0 attempts" unless a task gets further.
        self.outcomes.append(NOT_SENT)
        try:
            data = self.sender._prepare(payload, topic)
        except ValueError as exc:
            log.error("push to %s not sent: %s", host_of(target.endpoint), exc)
            return
        self.chunk.append(_Item(index, target, data, topic))
        if len(self.chunk) == CHUNK:
            self._encrypt_ahead()
            if len(self.ahead) >= self.depth:
                await self._launch()

    async def finish(self) -> list[Outcome]:
        """Send what is queued and wait for every message to settle."""
        if self.chunk:
            self._encrypt_ahead()
        while self.ahead:
            await self._launch()
        while self.running:
            await asyncio.wait(set(self.running))
        return self.outcomes

    async def cancel(self) -> None:
        """Stop every message still under way."""
        for task in self.running:
            task.cancel()
        for _, future in self.ahead:
            if future is not None:
                future.cancel()
        await asyncio.gather(*self.running, return_exceptions=True)

    def _encrypt_ahead(self) -> None:
        chunk, self.chunk = self.chunk, []
        encryptor = self.sender._encryptor
        future = encryptor.submit([item.job for item in chunk]) if encryptor.parallel else None
        self.ahead.append((chunk, future))

    async def _launch(self) -> None:
        chunk, future = self.ahead.popleft()
        bodies = await self.sender._encryptor.collect(future, len(chunk))
        for item, body in zip(chunk, bodies, strict=True):
            # Taking the place before creating the task keeps at most ``concurrency`` tasks
            # alive (plus those waiting to retry), however many messages there are.
            await self.slots.acquire()
            task = asyncio.create_task(self._one(item, body))
            self.running.add(task)
            task.add_done_callback(self.running.discard)

    async def _one(self, item: _Item, body: bytes | None) -> None:
        place = Place(self.slots)
        try:
            if body is None:
                body = encrypt(item.target, item.data)
            self.outcomes[item.position] = await self.sender._deliver(
                item.target, body, item.topic, place
            )
        except Exception:
            log.exception("push to %s: unexpected error", host_of(item.target.endpoint))
        finally:
            place.give_back()


def host_of(endpoint: str) -> str:
    """The host of an endpoint: all a log line may say about where a message went."""
    return urlsplit(endpoint).hostname or "?"
