"""Sending encrypted Web Push messages (RFC 8030, 8291, 8292) to the push services.

One pooled HTTP client for the life of the sender; every message encrypted for its browser
(aes128gcm), signed for with VAPID, and answered with an ``Outcome`` the dispatcher records.
Logs name the push service's host, the status and the attempts, never an endpoint's path (it
identifies a person's device), a key or a message.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from ssl import SSLContext
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver

from ._batch import Batch, Gate
from .addresses import PublicOnlyResolver
from .courier import Place
from .encryption import Encryptor
from .outcome import Outcome
from .subscriptions import PushTarget, host_of
from .vapid import VapidKeys

log = logging.getLogger("houvast.push")

MAX_PAYLOAD = 3993  # bytes of plaintext that fit one aes128gcm record of 4096 bytes
# Every message is padded to this many bytes (JSON whitespace after the object), so the length
# of what travels does not tell one language, exercise or kind of text from another.
PAYLOAD_SIZE = 1024
# Open connections, over all push services. A batch never has more requests in flight, so
# no request spends its timeout waiting for a connection.
CONNECTIONS = 256
TIMEOUT = 10.0  # seconds for a whole request, connecting included
BACKOFF = 1.0  # seconds before the first retry; doubles each time
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")
_DELIVERED = frozenset({200, 201, 202})
_GONE = frozenset({404, 410})

Sleep = Callable[[float], Awaitable[Any]]


class PushSender:
    """Encrypts and posts push messages through one connection pool: the ``Courier`` of the
    batches it hands out.

    Use ``async with PushSender(...) as sender:`` or ``await start()`` / ``await close()``.
    ``subject`` is the operator's contact for the push services (``mailto:`` or ``https:``);
    ``ttl`` the seconds a push service keeps a message for a device that is offline.

    Answers: 200/201/202 delivered; 404/410 gone; 429 waits ``Retry-After`` (seconds or a
    date; backoff without one) and tries again, unless that is longer than
    ``max_retry_after``; 5xx and network errors back off exponentially with jitter (about 1 s,
    2 s, 4 s; a 503's ``Retry-After`` is honoured); ``max_tries`` requests in all. Anything else
    (400, 401, 403, 413, a redirect) fails at once.

    Connections go to public addresses only (a name that resolves to a loopback, private,
    link-local or multicast address is refused: addresses.py). Hooks for tests and benchmarks:
    ``resolver`` and ``ssl`` point the push hosts at a local fake with its own certificate,
    ``allowed_networks`` lets the connections reach it there; ``sleep`` is what waits between
    tries; ``timeout`` bounds a whole request. ``encrypt_workers`` > 0 encrypts a batch's
    messages in that many worker processes, so a dispatch uses a second core (about half the
    event loop's work per message is encryption). ``payload_size`` is the one size every
    message is padded to.
    """

    def __init__(
        self,
        vapid: VapidKeys,
        subject: str,
        ttl: int,
        *,
        resolver: AbstractResolver | None = None,
        ssl: SSLContext | None = None,
        sleep: Sleep = asyncio.sleep,
        max_tries: int = 3,
        max_retry_after: float = 600.0,
        timeout: float = TIMEOUT,
        encrypt_workers: int = 0,
        payload_size: int = PAYLOAD_SIZE,
        allowed_networks: tuple[str, ...] = (),
    ) -> None:
        if ttl < 0 or max_tries < 1:
            raise ValueError("ttl must be >= 0 and max_tries >= 1")
        if not 0 < payload_size <= MAX_PAYLOAD:
            raise ValueError(f"payload_size must be from 1 to {MAX_PAYLOAD}")
        self.payload_size = payload_size
        self.vapid = vapid
        self.subject = subject
        self.max_tries = max_tries
        self.max_retry_after = max_retry_after
        self._resolver = resolver
        self._allowed_networks = allowed_networks
        self._ssl = ssl
        self._sleep = sleep
        self._timeout = timeout
        self._ttl_header = str(ttl)
        self._session: aiohttp.ClientSession | None = None
        self.encryptor = Encryptor(encrypt_workers)

    async def start(self) -> None:
        """Open the connection pool."""
        if self._session is not None:
            return
        self.encryptor.start()
        connector = aiohttp.TCPConnector(
            limit=CONNECTIONS,
            # Connect only to public addresses, whatever DNS answers (addresses.py).
            resolver=PublicOnlyResolver(self._resolver, self._allowed_networks),
            ssl=self._ssl if self._ssl is not None else True,
            ttl_dns_cache=300,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            # A push service's cookies are of no use to us; not keeping them saves work.
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        """Close the pool and every connection in it, and stop any encryption workers."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
        await self.encryptor.close()

    async def __aenter__(self) -> PushSender:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def batch(self, concurrency: int = 100, gate: Gate | None = None) -> Batch:
        """A stream of messages with at most ``concurrency`` requests in flight.

        ``await batch.add(target, payload, topic)`` queues a message and returns a future for
        its ``Outcome`` (it waits while the batch has its fill under way); ``await
        batch.finish()`` sends the rest and waits for all; ``await batch.cancel()`` stops them.
        ``topic`` replaces an undelivered message with the same topic on the push service (a
        phone that was off gets the latest reminder, not a pile). A message waiting to be
        retried holds no place, so a slow push service does not stall the rest. A message with
        a bad payload or topic is ``failed`` with 0 attempts (and an error in the log) instead
        of stopping the others. With ``encrypt_workers``, chunks of messages are encrypted in
        worker processes while the event loop posts the ones before. A ``gate`` decides, just
        before they are posted, which messages (by the key given to ``add``) may go.
        """
        if self._session is None:
            raise RuntimeError("PushSender.start() was not called")
        return Batch(self, max(1, min(concurrency, CONNECTIONS)), gate)

    def prepare(self, payload: dict[str, Any], topic: str) -> bytes:
        """The plaintext of a message, padded to ``payload_size`` bytes; ``ValueError`` if it
        or its topic cannot be sent."""
        try:
            data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"push payload is not JSON: {exc}") from None
        if len(data) > self.payload_size:
            raise ValueError(f"push payload of {len(data)} bytes; at most {self.payload_size} fit")
        check_topic(topic)
        # Spaces after the JSON: the worker's JSON.parse ignores them.
        return data + b" " * (self.payload_size - len(data))

    async def deliver(self, target: PushTarget, body: bytes, topic: str, place: Place) -> Outcome:
        """Post an encrypted body until an answer settles it or the tries run out.

        The caller holds ``place`` for the first try; it is given back while waiting to retry
        and taken again after.
        """
        session = self._session
        if session is None:
            raise RuntimeError("PushSender.start() was not called")
        host = _Host(target.endpoint)
        attempts = 0
        while True:
            attempts += 1
            status, retry_after = await self._post(session, target.endpoint, body, topic)
            wait: float | None = None
            if status in _DELIVERED:
                log.debug("push to %s: delivered (%s, %d attempts)", host, status, attempts)
                return Outcome("delivered", status, attempts)
            if status in _GONE:
                log.info("push to %s: subscription gone (%s, %d attempts)", host, status, attempts)
                return Outcome("gone", status, attempts)
            if status is None or status == 429 or status >= 500:
                delay = parse_retry_after(retry_after) if status in (429, 503) else None
                if delay is None:
                    # Exponential, with jitter so retries from one batch do not arrive together.
                    base = BACKOFF * 2 ** (attempts - 1)
                    delay = base + random.uniform(0, base / 2)
                if delay <= self.max_retry_after and attempts < self.max_tries:
                    wait = delay
            if wait is None:
                log.warning("push to %s: failed (%s, %d attempts)", host, status, attempts)
                return Outcome("failed", status, attempts)
            place.give_back()
            await self._sleep(wait)
            await place.take()

    async def _post(
        self, session: aiohttp.ClientSession, endpoint: str, body: bytes, topic: str
    ) -> tuple[int | None, str | None]:
        headers = {
            "Authorization": self.vapid.authorization(endpoint, self.subject),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": self._ttl_header,
            "Topic": topic,
            "Urgency": "normal",
        }
        try:
            # Never follow a redirect: the allow-list judged this address, not where it points.
            async with session.post(
                endpoint, data=body, headers=headers, allow_redirects=False
            ) as response:
                # Reading the (small) answer lets the connection go back to the pool.
                await response.read()
                return response.status, response.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError):
            return None, None


class _Host:
    """An endpoint's host for a log line, worked out only if the line is written (the
    dispatcher's thousands of "delivered" lines are usually not)."""

    __slots__ = ("endpoint",)

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def __str__(self) -> str:
        return host_of(self.endpoint)


def check_topic(topic: str) -> None:
    """Raise ``ValueError`` unless ``topic`` is 1-32 base64url characters (RFC 8030)."""
    if not isinstance(topic, str) or not _TOPIC.fullmatch(topic):
        raise ValueError("a push topic is 1-32 characters of A-Z, a-z, 0-9, '-' and '_'")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or ``None``."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    moment = time.time() if now is None else now
    return max(0.0, when.timestamp() - moment)
