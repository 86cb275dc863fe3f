"""A fake Web Push service, standing in for Google's, Mozilla's, Apple's and Microsoft's.

It is the only test double for push: the sender under test does everything for real (VAPID,
aes128gcm encryption, TLS, HTTP), and the fake checks it the way a push service would.

- ``FakePushService`` serves a small Starlette app with uvicorn in a thread on 127.0.0.1, over
  TLS with a certificate (from its own throwaway CA) for the real push hosts.
- ``service.resolver()`` is an aiohttp resolver that sends those hosts to the fake's port, and
  ``service.client_ssl`` trusts the fake's CA: so a real, validated endpoint such as
  ``https://fcm.googleapis.com/fcm/send/<id>`` reaches the fake over verified TLS.
- ``service.subscribe()`` plays the browser: a P-256 key pair and a 16-byte auth secret per
  subscription, returned as ``PushSubscription.toJSON()`` gives it.
- Every POST is checked: the ``Authorization: vapid t=...,k=...`` JWT (signature with ``k``,
  ``aud`` = the origin, ``exp`` in the future and within 24 h, a ``sub``), ``TTL``, ``Topic``,
  ``Urgency``, ``Content-Encoding``, the size; then the body is decrypted with the browser's key
  and the message recorded. A failed check answers 400/401/403/413 and records why. A
  subscription can be given scripted answers (``[429, 201]``, ``[(503, {"Retry-After": "1"})]``).
- ``decrypt=False`` (for the benchmark) only counts: any endpoint path on the push hosts is
  accepted, nothing is decrypted or stored; the VAPID header and the other headers are still
  checked (a signature once per distinct token).
- ``FakePushProcess`` runs that counting fake in a child process, so a benchmark's sender and
  the fake do not share one interpreter lock; ``stats()`` reads its counters.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime
import json
import os
import secrets
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import http_ece  # type: ignore[import-untyped]
import uvicorn
from aiohttp.abc import AbstractResolver, ResolveResult
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PUSH_HOSTS = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "*.push.apple.com",
    "*.notify.windows.com",
)
MAX_BODY = 4096
LOOPBACK = ("127.0.0.0/8",)
MAX_TOKEN_LIFETIME = 24 * 3600
HOLD_LIMIT = 60  # seconds an answer held for an event waits at most: a failed test ends
_TOPIC_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_URGENCIES = frozenset({"very-low", "low", "normal", "high"})

# A scripted answer: a status, or (status, headers), or (status, headers, wait): the seconds to
# wait first, or an event the test sets when the answer may go (a test that waits on no clock).
Answer = tuple[int, dict[str, str], float | threading.Event]
Script = Iterable[int | tuple[int, dict[str, str]] | Answer]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _host_matches(host: str, patterns: Iterable[str]) -> bool:
    # Written apart from the server's allow-list code on purpose: the fake must not share a bug.
    for pattern in patterns:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and host != pattern[2:]:
                return True
        elif host == pattern:
            return True
    return False


@dataclass
class Attempt:
    """One request the fake received: when, what it answered, and why if it refused."""

    at: float
    status: int
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Message:
    """A message the fake accepted, decrypted."""

    at: float
    data: Any
    topic: str | None
    ttl: int
    urgency: str | None
    body_size: int = 0  # bytes on the wire (encrypted)
    plaintext_size: int = 0  # bytes decrypted, padding included


@dataclass
class FakeSubscription:
    """The browser's side of one subscription, and what reached it."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    application_server_key: str | None
    script: deque[Answer] = field(default_factory=deque)
    attempts: list[Attempt] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    @classmethod
    def create(
        cls, host: str = "fcm.googleapis.com", application_server_key: str | None = None
    ) -> FakeSubscription:
        """A new browser key pair and auth secret, with an endpoint shaped like the host's."""
        token = secrets.token_urlsafe(24)
        if host.endswith(".notify.windows.com"):
            endpoint = f"https://{host}/w/?token={token}"
        elif host == "fcm.googleapis.com":
            endpoint = f"https://{host}/fcm/send/{token}"
        elif host.endswith("mozilla.com"):
            endpoint = f"https://{host}/wpush/v2/{token}"
        else:
            endpoint = f"https://{host}/{token}"
        return cls(
            endpoint=endpoint,
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=os.urandom(16),
            application_server_key=application_server_key,
        )

    def to_json(self) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives in a browser."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": _b64url(point), "auth": _b64url(self.auth)},
        }


class Refused(Exception):
    """A check failed: the status to answer and why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class FakeResolver(AbstractResolver):
    """DNS for the test: the push hosts are 127.0.0.1 at the fake's port; nothing else exists."""

    def __init__(self, port: int, hosts: tuple[str, ...] = PUSH_HOSTS) -> None:
        self.port = port
        self.hosts = hosts
        self.lookups: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups.append(host)
        if not _host_matches(host.lower(), self.hosts):
            raise OSError(f"fake DNS: no such push host {host!r}")
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": self.port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        pass


class FakePushService:
    """The fake push service; ``with FakePushService() as service:`` runs it."""

    def __init__(self, *, decrypt: bool = True, hosts: tuple[str, ...] = PUSH_HOSTS) -> None:
        self.decrypt = decrypt
        self.hosts = hosts
        self.subscriptions: dict[str, FakeSubscription] = {}  # by "host/path?query"
        self.requests = 0  # every POST, whatever the answer
        self.accepted = 0  # answered 2xx
        self.refusals: list[Attempt] = []  # every failed check, also for unknown endpoints
        self.in_flight = 0  # requests being answered now
        self.max_in_flight = 0  # the most at once (a test may reset it)
        self.first_at: float | None = None
        self.last_at: float | None = None
        self._lock = threading.Lock()
        self._verified: dict[str, tuple[str, int]] = {}  # Authorization value -> (k, exp)
        self._dir = tempfile.TemporaryDirectory(prefix="fake-push-")
        self._cert, self._key, ca = _make_certificates(Path(self._dir.name), hosts)
        self.ca_pem = ca.read_text()
        self.client_ssl = ssl.create_default_context(cadata=self.ca_pem)
        app = Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST"])])
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            ssl_certfile=str(self._cert),
            ssl_keyfile=str(self._key),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=30,
            backlog=4096,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self.port = 0

    # -- running -----------------------------------------------------------------------------

    def start(self) -> None:
        """Serve in a background thread; returns once it listens."""
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake push service did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        """Stop serving and remove the certificates."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._dir.cleanup()

    def __enter__(self) -> FakePushService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stats(self) -> dict[str, Any]:
        """Counters: requests, accepted (2xx), refused, and first and last arrival times."""
        with self._lock:
            return {
                "requests": self.requests,
                "accepted": self.accepted,
                "refused": len(self.refusals),
                "first_at": self.first_at,
                "last_at": self.last_at,
            }

    def resolver(self) -> FakeResolver:
        """A fresh resolver pointing the push hosts here (a session closes the one it gets)."""
        return FakeResolver(self.port, self.hosts)

    def edge(self) -> dict[str, Any]:
        """What a ``PushSender`` needs to reach this fake: its DNS, its CA, and leave to
        connect to loopback (which the sender otherwise refuses)."""
        return {"resolver": self.resolver(), "ssl": self.client_ssl, "allowed_networks": LOOPBACK}

    # -- the browser's side ------------------------------------------------------------------

    def subscribe(
        self,
        host: str = "fcm.googleapis.com",
        *,
        application_server_key: str | None = None,
        script: Script = (),
    ) -> dict[str, Any]:
        """Make a subscription on ``host`` and return its ``toJSON()`` form.

        With ``application_server_key`` (what the page passed to ``pushManager.subscribe``),
        a push signed with another key is refused with 403, as real services do.
        """
        subscription = FakeSubscription.create(host, application_server_key)
        self.script(subscription, script)
        with self._lock:
            self.subscriptions[subscription.endpoint.removeprefix("https://")] = subscription
        return subscription.to_json()

    def script(self, subscription: FakeSubscription | str, answers: Script) -> None:
        """Queue answers for the next requests to a subscription; then it answers 201 again."""
        found = self.subscription(subscription) if isinstance(subscription, str) else subscription
        with self._lock:
            for answer in answers:
                if isinstance(answer, int):
                    found.script.append((answer, {}, 0.0))
                elif len(answer) == 2:
                    found.script.append((answer[0], answer[1], 0.0))
                else:
                    found.script.append(answer)

    def subscription(self, endpoint: str) -> FakeSubscription:
        """The fake's record of the subscription with this endpoint."""
        return self.subscriptions[endpoint.removeprefix("https://")]

    def forget(self, endpoint: str) -> None:
        """Drop a subscription, as when the person unsubscribes: the endpoint now gives 404."""
        with self._lock:
            del self.subscriptions[endpoint.removeprefix("https://")]

    # -- the service's side ------------------------------------------------------------------

    async def _receive(self, request: Request) -> Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._check_and_answer(request)
        finally:
            self.in_flight -= 1

    async def _check_and_answer(self, request: Request) -> Response:
        now = time.time()
        host = (request.headers.get("host") or "").lower().removesuffix(":443")
        target = host + request.url.path
        if request.url.query:
            target += "?" + request.url.query
        body = await request.body()
        subscription = self.subscriptions.get(target)
        try:
            key = self._check_authorization(request.headers.get("authorization"), host, now)
            if subscription is None and self.decrypt:
                raise Refused(404, "no such subscription")
            if subscription is None:  # counting only
                _check_headers(request.headers)
                return self._answer(None, now, 201, {}, "", request)
            if subscription.application_server_key not in (None, key):
                raise Refused(403, "signed with another key than the subscription's")
            ttl, topic, urgency = _check_headers(request.headers)
            if len(body) > MAX_BODY:
                raise Refused(413, "body too large")
            plain = self._open(subscription, body) if self.decrypt else b""
            data = _json(plain) if self.decrypt else None
        except Refused as refused:
            return self._answer(subscription, now, refused.status, {}, refused.reason, request)
        with self._lock:
            status, headers, delay = (
                subscription.script.popleft() if subscription.script else (201, {}, 0.0)
            )
            if 200 <= status < 300 and self.decrypt:
                subscription.messages.append(
                    Message(now, data, topic, ttl, urgency, len(body), len(plain))
                )
        if isinstance(delay, threading.Event):
            await asyncio.to_thread(delay.wait, HOLD_LIMIT)
        elif delay:
            await asyncio.sleep(delay)
        return self._answer(subscription, now, status, headers, "", request)

    def _answer(
        self,
        subscription: FakeSubscription | None,
        now: float,
        status: int,
        headers: dict[str, str],
        reason: str,
        request: Request,
    ) -> Response:
        with self._lock:
            self.requests += 1
            self.first_at = self.first_at or now
            self.last_at = now
            if 200 <= status < 300:
                self.accepted += 1
            attempt = Attempt(now, status, reason)
            if self.decrypt:
                attempt.headers = dict(request.headers)
            if subscription is not None and (self.decrypt or reason):
                subscription.attempts.append(attempt)
            if reason:
                self.refusals.append(attempt)
        return Response(status_code=status, headers=headers)

    def _check_authorization(self, value: str | None, host: str, now: float) -> str:
        """Verify the VAPID header (RFC 8292); returns the public key ``k`` it was signed with."""
        if not value:
            raise Refused(401, "no Authorization")
        cached = self._verified.get(value)
        if cached is None:
            cached = _verify_vapid(value, f"https://{host}")
            # One push service sees the same token over and over: verify a signature only once.
            self._verified[value] = cached
        key, exp = cached
        if not now < exp <= now + MAX_TOKEN_LIFETIME:
            raise Refused(401, "token expired or valid for more than 24 h")
        return key

    def _open(self, subscription: FakeSubscription, body: bytes) -> bytes:
        try:
            plain: bytes = http_ece.decrypt(
                body,
                private_key=subscription.private_key,
                auth_secret=subscription.auth,
                version="aes128gcm",
            )
        except Exception as exc:  # http_ece raises several kinds; any of them means "bad body"
            raise Refused(400, f"cannot decrypt: {type(exc).__name__}") from None
        return plain


def _json(plain: bytes) -> Any:
    # What the service worker does with it: JSON.parse, which skips white space around.
    try:
        return json.loads(plain)
    except ValueError:
        raise Refused(400, "the message is not JSON") from None


def _verify_vapid(value: str, origin: str) -> tuple[str, int]:
    scheme, _, params = value.partition(" ")
    if scheme.lower() != "vapid":
        raise Refused(401, "Authorization is not vapid t=...,k=...")
    parts = dict(item.strip().partition("=")[::2] for item in params.split(","))
    token, key = parts.get("t", ""), parts.get("k", "")
    try:
        head, claims_part, signature_part = token.split(".")
        header = json.loads(_b64url_decode(head))
        claims = json.loads(_b64url_decode(claims_part))
        signature = _b64url_decode(signature_part)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64url_decode(key))
    except (ValueError, binascii.Error):
        raise Refused(401, "malformed token or key") from None
    if header.get("alg") != "ES256" or len(signature) != 64:
        raise Refused(401, "not an ES256 token")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public.verify(der, f"{head}.{claims_part}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Refused(401, "bad signature") from None
    if claims.get("aud") != origin:
        raise Refused(401, f"aud is not {origin}")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.startswith(("mailto:", "https://")):
        raise Refused(401, "no sub contact")
    exp = claims.get("exp")
    if not isinstance(exp, int):
        raise Refused(401, "no exp")
    return key, exp


def _check_headers(headers: Any) -> tuple[int, str | None, str | None]:
    ttl = headers.get("ttl")
    if ttl is None or not ttl.isdigit():
        raise Refused(400, "TTL missing or not a number")
    topic = headers.get("topic")
    if topic is not None and not (0 < len(topic) <= 32 and _TOPIC_CHARS.issuperset(topic)):
        raise Refused(400, "Topic not base64url or longer than 32")
    urgency = headers.get("urgency")
    if urgency is not None and urgency not in _URGENCIES:
        raise Refused(400, "unknown Urgency")
    if headers.get("content-encoding") != "aes128gcm":
        raise Refused(400, "Content-Encoding is not aes128gcm")
    return int(ttl), topic, urgency


def _make_certificates(folder: Path, hosts: tuple[str, ...]) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for ``hosts``; returns (cert, key, CA) paths."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fake push service CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path, ca_path = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path, ca_path


class FakePushProcess:
    """The counting fake (``decrypt=False``) in a child process, for benchmarks.

    ``with FakePushProcess() as fake:`` then ``fake.resolver()``, ``fake.client_ssl`` and
    ``fake.stats()`` as with ``FakePushService``.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self.port = 0
        self.client_ssl: ssl.SSLContext | None = None

    def __enter__(self) -> FakePushProcess:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.fake_push_service"],
            cwd=Path(__file__).resolve().parent.parent,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = json.loads(self._ask(None))
        self.port = hello["port"]
        self.client_ssl = ssl.create_default_context(cadata=hello["ca"])
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            assert self._process.stdin is not None and self._process.stdout is not None
            self._process.stdin.close()  # the child stops when its input ends
            self._process.wait(timeout=15)
            self._process.stdout.close()
            self._process = None

    def resolver(self) -> FakeResolver:
        """A resolver pointing the push hosts at the child's port."""
        return FakeResolver(self.port)

    def stats(self) -> dict[str, Any]:
        """The child's counters."""
        return dict(json.loads(self._ask("stats")))

    def _ask(self, command: str | None) -> str:
        assert self._process is not None
        assert self._process.stdin is not None and self._process.stdout is not None
        if command is not None:
            self._process.stdin.write(command + "\n")
            self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the fake push process ended")
        return line


def main() -> None:
    """Serve a counting fake until standard input ends (used by ``FakePushProcess``)."""
    with FakePushService(decrypt=False) as service:
        print(json.dumps({"port": service.port, "ca": service.ca_pem}), flush=True)
        for line in sys.stdin:
            if line.strip() == "stats":
                print(json.dumps(service.stats()), flush=True)


if __name__ == "__main__":
    main()
