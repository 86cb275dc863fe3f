"""Encrypting push messages for one browser each (RFC 8291, ``aes128gcm``).

Encryption is the biggest cost of a push (an ECDH key agreement per message, ~150 µs) and
holds the interpreter lock, so threads do not help. An ``Encryptor`` with workers hands chunks
of messages to worker processes, which lets a dispatch use a second core while the event loop
does the HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from pywebpush import WebPusher

from .subscriptions import PushTarget

log = logging.getLogger("houvast.push")

# Worker input: (endpoint, p256dh, auth, plaintext); plain tuples pickle quickly.
Job = tuple[str, str, str, bytes]


def encrypt(target: PushTarget, data: bytes) -> bytes:
    """The request body carrying ``data`` to ``target``'s browser, and only to it."""
    return _encrypt((target.endpoint, target.p256dh, target.auth, data))


def encrypt_batch(jobs: Sequence[Job]) -> list[bytes | None]:
    """Encrypt many messages; what a worker process runs for each chunk.

    A message that cannot be encrypted (a key gone bad in storage, say) gives ``None`` instead
    of failing its whole chunk; the sender tries it again in-process and reports it failed.
    """
    bodies: list[bytes | None] = []
    for job in jobs:
        try:
            bodies.append(_encrypt(job))
        except Exception:
            bodies.append(None)
    return bodies


def _encrypt(job: Job) -> bytes:
    endpoint, p256dh, auth, data = job
    pusher = WebPusher({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}})
    # encode() returns a dict: for aes128gcm only "body" (salt and key travel inside it).
    return bytes(pusher.encode(data, "aes128gcm")["body"])


class Encryptor:
    """Encrypts in the calling thread (``workers=0``) or in ``workers`` worker processes."""

    def __init__(self, workers: int = 0) -> None:
        if workers < 0:
            raise ValueError("workers must be >= 0")
        self.workers = workers
        self._pool: Executor | None = None

    def start(self) -> None:
        """Create the worker pool (its processes start on first use)."""
        if self.workers and self._pool is None:
            # "spawn": the server process has threads, and forking a threaded process can
            # copy a lock that some other thread holds.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)

    async def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    @property
    def parallel(self) -> bool:
        """Whether chunks go to worker processes."""
        return self._pool is not None

    def submit(self, jobs: Sequence[Job]) -> asyncio.Future[list[bytes | None]] | None:
        """Start encrypting a chunk in a worker; ``None`` if there is no (working) pool."""
        if self._pool is None:
            return None
        loop = asyncio.get_running_loop()
        try:
            return loop.run_in_executor(self._pool, encrypt_batch, list(jobs))
        except RuntimeError:  # BrokenProcessPool, or a pool shut down meanwhile
            self._give_up()
            return None

    async def collect(
        self, future: asyncio.Future[list[bytes | None]] | None, size: int
    ) -> list[bytes | None]:
        """The bodies of a submitted chunk of ``size``; ``None`` for each the caller encrypts."""
        if future is not None:
            try:
                return await future
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # the caller is being stopped
                # The pool was shut down under the chunk (it is closing, or gave up).
            except BrokenProcessPool:
                self._give_up()
            except Exception:
                # Anything else (the chunk could not be sent to the worker) affects this chunk.
                log.exception("encryption worker failed on %d messages", size)
        return [None] * size

    def _give_up(self) -> None:
        # A worker died (killed, out of memory, a main module that cannot be imported twice):
        # reminders must still go out, so encrypt here from now on, and say so once.
        if self._pool is not None:
            log.error("encryption workers failed; encrypting in the server process from now on")
            pool, self._pool = self._pool, None
            pool.shutdown(wait=False, cancel_futures=True)
