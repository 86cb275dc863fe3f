"""The interface between a batch and the sender: what a ``Batch`` needs to post its messages.

A batch gathers messages, has them encrypted ahead and starts a request for each while it holds
a place; how one encrypted message reaches its push service (headers, the connection pool,
retries) is the courier's business. ``PushSender`` is the courier and hands out batches; the
batch knows it only through ``Courier``, so neither module depends on the other's insides.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from .encryption import Encryptor
from .outcome import Outcome
from .subscriptions import PushTarget


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


class Courier(Protocol):
    """Prepares, encrypts and posts the messages of a batch."""

    encryptor: Encryptor  # encrypts chunks of messages, in worker processes or in-process

    def prepare(self, payload: dict[str, Any], topic: str) -> bytes:
        """The plaintext of a message; ``ValueError`` if it or its topic cannot be sent."""
        ...

    async def deliver(self, target: PushTarget, body: bytes, topic: str, place: Place) -> Outcome:
        """Post an encrypted body until an answer settles it or the tries run out.

        The caller holds ``place`` for the first try; it is given back while waiting to retry
        and taken again after.
        """
        ...
