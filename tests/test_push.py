"""Web Push delivery: the VAPID key, checking subscriptions, and sending through a fake service.

Everything on the server's side is real (keys, JWT, aes128gcm, TLS, HTTP); the push service is
``tests/fake_push_service.py``, which checks each request as Google's or Apple's would.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import json
import logging
import os
import socket
import stat
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from server.push import (
    PAYLOAD_SIZE,
    InvalidSubscription,
    Outcome,
    PushSender,
    PushTarget,
    VapidKeys,
    parse_retry_after,
    validate_subscription,
)
from server.push import vapid as vapid_module
from server.push._batch import CHUNK
from server.push.addresses import PublicOnlyResolver
from server.push.outcome import INTERRUPTED
from tests.conftest import run_async
from tests.fake_push_service import PUSH_HOSTS, FakePushService

SUBJECT = "mailto:webpush@houvast.invalid"
MESSAGE = {
    "title": "Houvast",
    "body": "Tijd voor je oefening",
    "url": "/nl/exercises/grounding#start",
    "tag": "houvast-reminder-7",
}
T = TypeVar("T")


def new_vapid_keys() -> VapidKeys:
    """A fresh key pair that lives only in memory."""
    return VapidKeys(ec.generate_private_key(ec.SECP256R1()))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_parts(header: str) -> tuple[dict[str, Any], dict[str, Any], str, str]:
    """(JWT header, claims, token, k) from ``vapid t=...,k=...``, after checking the signature."""
    scheme, _, params = header.partition(" ")
    assert scheme == "vapid"
    parts = dict(item.split("=", 1) for item in params.split(","))
    token, key = parts["t"], parts["k"]
    head, claims, signature = token.split(".")
    raw = unb64(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
    public.verify(
        encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
        f"{head}.{claims}".encode(),
        ec.ECDSA(hashes.SHA256()),
    )
    return json.loads(unb64(head)), json.loads(unb64(claims)), token, key


# -- VAPID keys ----------------------------------------------------------------------------------


def test_the_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data" / "nested"
    first = VapidKeys.load_or_create(data_dir)
    key_file = data_dir / "vapid_private.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [path.name for path in data_dir.iterdir()] == ["vapid_private.pem"]  # no temp file
    again = VapidKeys.load_or_create(data_dir)
    assert again.public_key == first.public_key


def test_an_existing_key_file_keeps_its_mode(tmp_path: Path) -> None:
    VapidKeys.load_or_create(tmp_path)
    key_file = tmp_path / "vapid_private.pem"
    key_file.chmod(0o400)
    VapidKeys.load_or_create(tmp_path)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o400


def test_a_key_written_by_another_process_first_wins(tmp_path: Path) -> None:
    # Two processes starting at once both generate a key; the second must not replace the
    # first, or subscriptions made with the first would stop working.
    first = VapidKeys.load_or_create(tmp_path)
    vapid_module._write_new_key(tmp_path / "vapid_private.pem")
    assert VapidKeys.load_or_create(tmp_path).public_key == first.public_key
    assert [path.name for path in tmp_path.iterdir()] == ["vapid_private.pem"]


def test_a_file_that_is_not_an_ec_key_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "vapid_private.pem").write_text("not a key")
    with pytest.raises(ValueError):
        VapidKeys.load_or_create(tmp_path)


def test_the_public_key_is_the_uncompressed_point_of_the_private_key(tmp_path: Path) -> None:
    keys = VapidKeys.load_or_create(tmp_path)
    raw = unb64(keys.public_key)
    assert len(raw) == 65 and raw[0] == 0x04
    assert "=" not in keys.public_key
    private = serialization.load_pem_private_key(
        (tmp_path / "vapid_private.pem").read_bytes(), password=None
    )
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    assert raw == private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def test_the_token_names_the_origin_expiry_and_contact() -> None:
    keys = new_vapid_keys()
    now = 1_800_000_000.0
    header = keys.authorization("https://fcm.googleapis.com/fcm/send/abc?x=1", SUBJECT, now=now)
    jwt_header, claims, _, key = token_parts(header)
    assert jwt_header == {"alg": "ES256", "typ": "JWT"}
    assert claims == {
        "aud": "https://fcm.googleapis.com",
        "exp": int(now) + 12 * 3600,
        "sub": SUBJECT,
    }
    assert key == keys.public_key


def test_a_token_is_reused_per_origin_and_signed_again_near_expiry() -> None:
    keys = new_vapid_keys()
    start = 1_800_000_000.0
    fcm = "https://fcm.googleapis.com/fcm/send/one"
    first = keys.authorization(fcm, SUBJECT, now=start)
    # Another subscription on the same service, and the same origin written with :443.
    assert (
        keys.authorization("https://fcm.googleapis.com/fcm/send/two", SUBJECT, now=start) == first
    )
    assert keys.authorization("https://fcm.googleapis.com:443/fcm/send/3", SUBJECT, start) == first
    apple = keys.authorization("https://web.push.apple.com/abc", SUBJECT, now=start)
    assert apple != first
    assert token_parts(apple)[1]["aud"] == "https://web.push.apple.com"
    # Eleven hours on, an hour is left: still the same token.
    assert keys.authorization(fcm, SUBJECT, now=start + 11 * 3600) == first
    # Less than an hour left: a fresh one, valid twelve hours from now.
    later = start + 11.5 * 3600
    fresh = keys.authorization(fcm, SUBJECT, now=later)
    assert fresh != first
    claims = token_parts(fresh)[1]
    assert claims["exp"] == int(later) + 12 * 3600
    # Whenever it is asked, a token never has more than 24 h (Apple's limit) or less than 1 h.
    for hours in range(0, 100, 7):
        moment = start + hours * 3600 + 17
        exp = token_parts(keys.authorization(fcm, SUBJECT, now=moment))[1]["exp"]
        assert 3600 <= exp - moment <= 24 * 3600


# -- Subscriptions -------------------------------------------------------------------------------

BROWSER = ec.generate_private_key(ec.SECP256R1())
P256DH = b64(
    BROWSER.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
)
AUTH = b64(os.urandom(16))


def subscription(endpoint: object, p256dh: object = P256DH, auth: object = AUTH) -> dict[str, Any]:
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}}


GOOD_ENDPOINTS = [
    "https://fcm.googleapis.com/fcm/send/dT8x-3q:APA91bHuN_abc",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk_abc",
    "https://web.push.apple.com/QGx1Y2tZ-abc",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAD%2bXyz",
    "https://fcm.googleapis.com:443/fcm/send/abc",  # port 443 written out is still port 443
    # Host names compare without case, as DNS does: accepted (browsers send lower case anyway).
    "https://FCM.GOOGLEAPIS.COM/fcm/send/abc",
]


@pytest.mark.parametrize("endpoint", GOOD_ENDPOINTS)
def test_endpoints_of_known_push_services_are_accepted(endpoint: str) -> None:
    target = validate_subscription(subscription(endpoint), PUSH_HOSTS)
    written = endpoint.replace(":443/", "/").replace("FCM.GOOGLEAPIS.COM", "fcm.googleapis.com")
    assert target == PushTarget(written, P256DH, AUTH)


def test_one_subscription_is_written_one_way() -> None:
    """Host case and an explicit :443 do not make another endpoint (it would be another device,
    and get every reminder twice); the path's case is the push service's and is kept."""
    forms = [
        "https://fcm.googleapis.com/fcm/send/AbC",
        "https://FCM.googleapis.com/fcm/send/AbC",
        "https://fcm.googleapis.com:443/fcm/send/AbC",
        "https://Fcm.GoogleApis.com:443/fcm/send/AbC",
    ]
    written = {validate_subscription(subscription(e), PUSH_HOSTS).endpoint for e in forms}
    assert written == {"https://fcm.googleapis.com/fcm/send/AbC"}
    other = validate_subscription(
        subscription("https://fcm.googleapis.com/fcm/send/abc"), PUSH_HOSTS
    )
    assert other.endpoint.endswith("/abc")


HOSTILE_ENDPOINTS = [
    ("http://fcm.googleapis.com/fcm/send/abc", "endpoint"),
    ("HTTP://fcm.googleapis.com/fcm/send/abc", "endpoint"),
    ("ftp://fcm.googleapis.com/fcm/send/abc", "endpoint"),
    ("//fcm.googleapis.com/fcm/send/abc", "endpoint"),
    ("fcm.googleapis.com/fcm/send/abc", "endpoint"),
    ("https:/fcm.googleapis.com/fcm/send/abc", "endpoint"),
    ("https:///fcm.googleapis.com/fcm/send/abc", "endpoint"),
    ("https://:443/fcm/send/abc", "endpoint_host"),
    ("https://fcm.googleapis.com:8443/fcm/send/abc", "endpoint"),
    ("https://fcm.googleapis.com:80/fcm/send/abc", "endpoint"),
    ("https://fcm.googleapis.com:0443/fcm/send/abc", "endpoint"),
    ("https://fcm.googleapis.com:/fcm/send/abc", "endpoint"),
    ("https://fcm.googleapis.com:443:443/fcm/send/abc", "endpoint"),
    ("https://user@fcm.googleapis.com/fcm/send/abc", "endpoint"),
    ("https://user:pass@fcm.googleapis.com/fcm/send/abc", "endpoint"),
    ("https://fcm.googleapis.com@evil.org/fcm/send/abc", "endpoint"),
    ("https://fcm.googleapis.com:443@evil.org/fcm/send/abc", "endpoint"),
    ("https://127.0.0.1/fcm/send/abc", "endpoint_host"),
    ("https://10.0.0.1/fcm/send/abc", "endpoint_host"),
    ("https://192.168.1.1/fcm/send/abc", "endpoint_host"),
    ("https://169.254.169.254/latest/meta-data/", "endpoint_host"),
    ("https://2130706433/fcm/send/abc", "endpoint_host"),
    ("https://0x7f.1/fcm/send/abc", "endpoint_host"),
    ("https://0x7f000001/fcm/send/abc", "endpoint_host"),
    ("https://0177.0.0.1/fcm/send/abc", "endpoint_host"),
    ("https://127.1/fcm/send/abc", "endpoint_host"),
    ("https://[::1]/fcm/send/abc", "endpoint"),
    ("https://[::ffff:127.0.0.1]/fcm/send/abc", "endpoint"),
    ("https://[fd00::1]:443/fcm/send/abc", "endpoint"),
    ("https://localhost/fcm/send/abc", "endpoint_host"),
    ("https://push.localhost/fcm/send/abc", "endpoint_host"),
    ("https://fcm.googleapis.com.example.org/fcm/send/abc", "endpoint_host"),
    ("https://evil.org#fcm.googleapis.com", "endpoint"),
    ("https://evil.org/#fcm.googleapis.com", "endpoint"),
    ("https://fcm.googleapis.com/fcm/send/abc#fragment", "endpoint"),
    ("https://evil.org?fcm.googleapis.com", "endpoint_host"),
    ("https://evil.org/?host=fcm.googleapis.com", "endpoint_host"),
    ("https://fcm.googleapis.com./fcm/send/abc", "endpoint_host"),
    ("https://fcm.googleapis.com../fcm/send/abc", "endpoint_host"),
    ("https://fcm%2egoogleapis.com/fcm/send/abc", "endpoint_host"),
    ("https://xn--fcm-googleapis-xyz.com/fcm/send/abc", "endpoint_host"),
    ("https://xn--fcm.googleapis.com/fcm/send/abc", "endpoint_host"),
    ("https://xn--pple-43d.push.apple.com/abc", "endpoint_host"),
    ("https://fcm.gооgleapis.com/fcm/send/abc", "endpoint"),  # Cyrillic o's
    ("https://push.apple.com/abc", "endpoint_host"),  # the apex is not a subdomain
    ("https://evilpush.apple.com/abc", "endpoint_host"),
    ("https://web.push.apple.com.evil.org/abc", "endpoint_host"),
    ("https://notify.windows.com/w/?token=abc", "endpoint_host"),
    ("https://googleapis.com/fcm/send/abc", "endpoint_host"),
    ("https://-fcm.googleapis.com/fcm/send/abc", "endpoint_host"),
    ("https:\\\\fcm.googleapis.com\\fcm\\send\\abc", "endpoint"),
    ("https://fcm.googleapis.com\\@evil.org/abc", "endpoint"),
    ("https://fcm.googleapis.com /fcm/send/abc", "endpoint"),
    (" https://fcm.googleapis.com/fcm/send/abc", "endpoint"),
    ("https://fcm.googleapis.com/fcm/send/abc ", "endpoint"),
    ("https://fcm.googleapis.com/fcm/send/a\nb", "endpoint"),
    ("https://fcm.googleapis.com\r\nHost: evil.org/abc", "endpoint"),
    ("https://fcm.googleapis.com/fcm/send/\tabc", "endpoint"),
    ("https://fcm.googleapis.com\x00.evil.org/abc", "endpoint"),
    ("https://fcm.googleapis.com/fcm/send/\x7f", "endpoint"),
    ("https://fcm.googleapis.com", "endpoint"),  # no path: not a subscription
    ("https://fcm.googleapis.com/", "endpoint"),
    ("https://fcm.googleapis.com/fcm/send/" + "a" * 1000, "endpoint"),
    ("", "endpoint"),
]


@pytest.mark.parametrize(("endpoint", "code"), HOSTILE_ENDPOINTS)
def test_hostile_endpoints_are_refused(endpoint: str, code: str) -> None:
    with pytest.raises(InvalidSubscription) as caught:
        validate_subscription(subscription(endpoint), PUSH_HOSTS)
    assert caught.value.code == code
    assert endpoint not in str(caught.value) or not endpoint  # errors never echo the endpoint


def test_a_thousand_characters_is_still_fine_but_not_more() -> None:
    base = "https://fcm.googleapis.com/fcm/send/"
    validate_subscription(subscription(base + "a" * (1000 - len(base))), PUSH_HOSTS)
    with pytest.raises(InvalidSubscription):
        validate_subscription(subscription(base + "a" * (1001 - len(base))), PUSH_HOSTS)


def test_only_the_configured_hosts_are_allowed() -> None:
    endpoint = "https://fcm.googleapis.com/fcm/send/abc"
    with pytest.raises(InvalidSubscription) as caught:
        validate_subscription(subscription(endpoint), ("*.push.apple.com",))
    assert caught.value.code == "endpoint_host"


POINT_NOT_ON_CURVE = b"\x04" + bytes(64)
COMPRESSED = BROWSER.public_key().public_bytes(
    serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
)


@pytest.mark.parametrize(
    ("p256dh", "auth"),
    [
        (b64(POINT_NOT_ON_CURVE), AUTH),
        (b64(b"\x04" + b"\x01" * 64), AUTH),
        (b64(COMPRESSED), AUTH),  # 33 bytes: not the uncompressed point
        (b64(b"\x05" + unb64(P256DH)[1:]), AUTH),
        (P256DH[:-2], AUTH),
        (P256DH + "AA", AUTH),
        (P256DH.replace("-", "+").replace("_", "/") + "+/", AUTH),  # standard alphabet
        (P256DH[:40] + "!" + P256DH[41:], AUTH),
        (P256DH[:40] + " " + P256DH[41:], AUTH),
        (P256DH + "===", AUTH),
        ("", AUTH),
        (None, AUTH),
        (12345, AUTH),
        (P256DH, b64(os.urandom(15))),
        (P256DH, b64(os.urandom(17))),
        (P256DH, b64(os.urandom(32))),
        (P256DH, ""),
        (P256DH, None),
        (P256DH, "not base64url!"),
        (P256DH, AUTH + "="),  # 22 + 1 characters: wrong padding
    ],
    # Named, not derived from the keys: the keys are made afresh in every process, and test
    # ids must be the same in every process that collects them (pytest-xdist's workers).
    ids=[
        "point-not-on-curve",
        "point-of-ones",
        "compressed-point",
        "wrong-prefix",
        "p256dh-short",
        "p256dh-long",
        "standard-alphabet",
        "bang-inside",
        "space-inside",
        "padded",
        "p256dh-empty",
        "p256dh-none",
        "p256dh-number",
        "auth-15-bytes",
        "auth-17-bytes",
        "auth-32-bytes",
        "auth-empty",
        "auth-none",
        "auth-not-base64url",
        "auth-padded",
    ],
)
def test_bad_keys_are_refused(p256dh: object, auth: object) -> None:
    with pytest.raises(InvalidSubscription) as caught:
        validate_subscription(
            subscription("https://fcm.googleapis.com/fcm/send/abc", p256dh, auth), PUSH_HOSTS
        )
    assert caught.value.code == "keys"


def test_keys_with_padding_are_accepted_and_kept_without() -> None:
    padded_key = base64.urlsafe_b64encode(unb64(P256DH)).decode()
    padded_auth = base64.urlsafe_b64encode(unb64(AUTH)).decode()
    assert padded_auth.endswith("==")
    target = validate_subscription(
        subscription("https://fcm.googleapis.com/fcm/send/abc", padded_key, padded_auth),
        PUSH_HOSTS,
    )
    assert (target.p256dh, target.auth) == (P256DH, AUTH)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (None, "subscription"),
        ("https://fcm.googleapis.com/fcm/send/abc", "subscription"),
        ([], "subscription"),
        ({"keys": {"p256dh": P256DH, "auth": AUTH}}, "endpoint"),
        ({"endpoint": 42, "keys": {"p256dh": P256DH, "auth": AUTH}}, "endpoint"),
        ({"endpoint": "https://fcm.googleapis.com/fcm/send/abc"}, "keys"),
        ({"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": [P256DH]}, "keys"),
    ],
)
def test_malformed_subscriptions_are_refused(data: object, code: str) -> None:
    with pytest.raises(InvalidSubscription) as caught:
        validate_subscription(data, PUSH_HOSTS)
    assert caught.value.code == code


# -- Sending -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakePushService]:
    with FakePushService() as service:
        yield service


@pytest.fixture(scope="module")
def vapid() -> VapidKeys:
    return new_vapid_keys()


class Sleeps:
    """Stands in for asyncio.sleep: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def run_sender(
    fake: FakePushService,
    vapid: VapidKeys,
    use: Callable[[PushSender], Awaitable[T]],
    **options: Any,
) -> T:
    async def main() -> T:
        async with PushSender(vapid, SUBJECT, 3600, **fake.edge(), **options) as sender:
            return await use(sender)

    return run_async(main())


def new_target(
    fake: FakePushService, vapid: VapidKeys, host: str = "fcm.googleapis.com", **kw: Any
) -> PushTarget:
    data = fake.subscribe(host, application_server_key=vapid.public_key, **kw)
    return validate_subscription(data, PUSH_HOSTS)


async def send_all(
    sender: PushSender,
    items: Iterable[tuple[PushTarget, dict[str, Any], str]],
    concurrency: int = 100,
) -> list[Outcome]:
    """Send messages as the dispatcher does: add each to one batch, finish it, read the
    outcomes (in the order of ``items``)."""
    batch = sender.batch(concurrency)
    outcomes = [await batch.add(target, payload, topic) for target, payload, topic in items]
    await batch.finish()
    return [outcome.result() for outcome in outcomes]


def send_one(
    fake: FakePushService,
    vapid: VapidKeys,
    target: PushTarget,
    payload: dict[str, Any] = MESSAGE,
    topic: str = "r7",
    **options: Any,
) -> Outcome:
    items = [(target, payload, topic)]
    return run_sender(fake, vapid, lambda sender: send_all(sender, items), **options)[0]


@pytest.mark.parametrize(
    "host",
    [
        "fcm.googleapis.com",
        "updates.push.services.mozilla.com",
        "web.push.apple.com",
        "wns2-par02p.notify.windows.com",
    ],
)
def test_a_message_arrives_once_decrypted_with_its_headers(
    fake: FakePushService, vapid: VapidKeys, host: str
) -> None:
    target = new_target(fake, vapid, host)
    sleeps = Sleeps()
    outcome = send_one(fake, vapid, target, sleep=sleeps)
    assert outcome == Outcome("delivered", 201, 1)
    received = fake.subscription(target.endpoint)
    assert [message.data for message in received.messages] == [MESSAGE]
    message = received.messages[0]
    assert (message.topic, message.ttl, message.urgency) == ("r7", 3600, "normal")
    assert [attempt.status for attempt in received.attempts] == [201]
    headers = received.attempts[0].headers
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["content-type"] == "application/octet-stream"
    claims = token_parts(headers["authorization"])[1]
    assert claims["aud"] == f"https://{host}" and claims["sub"] == SUBJECT
    assert sleeps.waits == []


def test_a_push_signed_with_another_key_is_refused(fake: FakePushService, vapid: VapidKeys) -> None:
    target = new_target(fake, vapid)
    outcome = send_one(fake, new_vapid_keys(), target)
    assert outcome == Outcome("failed", 403, 1)
    assert fake.subscription(target.endpoint).attempts[0].reason.startswith("signed with another")
    assert fake.subscription(target.endpoint).messages == []


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_that_is_gone_is_reported_after_one_try(
    fake: FakePushService, vapid: VapidKeys, status: int
) -> None:
    target = new_target(fake, vapid, script=[status])
    sleeps = Sleeps()
    assert send_one(fake, vapid, target, sleep=sleeps) == Outcome("gone", status, 1)
    assert len(fake.subscription(target.endpoint).attempts) == 1
    assert sleeps.waits == []


def test_an_unsubscribed_endpoint_is_gone(fake: FakePushService, vapid: VapidKeys) -> None:
    target = new_target(fake, vapid)
    fake.forget(target.endpoint)
    assert send_one(fake, vapid, target, sleep=Sleeps()) == Outcome("gone", 404, 1)


@pytest.mark.parametrize("status", [200, 202])
def test_other_success_codes_count_as_delivered(
    fake: FakePushService, vapid: VapidKeys, status: int
) -> None:
    target = new_target(fake, vapid, script=[status])
    assert send_one(fake, vapid, target) == Outcome("delivered", status, 1)


def test_too_many_requests_waits_as_long_as_retry_after_says(
    fake: FakePushService, vapid: VapidKeys
) -> None:
    target = new_target(fake, vapid, script=[(429, {"Retry-After": "7"}), 201])
    sleeps = Sleeps()
    assert send_one(fake, vapid, target, sleep=sleeps) == Outcome("delivered", 201, 2)
    assert sleeps.waits == [7.0]
    received = fake.subscription(target.endpoint)
    assert [attempt.status for attempt in received.attempts] == [429, 201]
    assert [message.data for message in received.messages] == [MESSAGE]


def test_retry_after_as_an_http_date(fake: FakePushService, vapid: VapidKeys) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    target = new_target(fake, vapid, script=[(429, {"Retry-After": when}), 201])
    sleeps = Sleeps()
    assert send_one(fake, vapid, target, sleep=sleeps) == Outcome("delivered", 201, 2)
    assert len(sleeps.waits) == 1 and 25 <= sleeps.waits[0] <= 30


def test_a_retry_after_longer_than_the_limit_gives_up_at_once(
    fake: FakePushService, vapid: VapidKeys
) -> None:
    target = new_target(fake, vapid, script=[(429, {"Retry-After": "3600"})])
    sleeps = Sleeps()
    assert send_one(fake, vapid, target, sleep=sleeps) == Outcome("failed", 429, 1)
    assert sleeps.waits == []


def test_too_many_requests_without_retry_after_backs_off(
    fake: FakePushService, vapid: VapidKeys
) -> None:
    target = new_target(fake, vapid, script=[429, 201])
    sleeps = Sleeps()
    assert send_one(fake, vapid, target, sleep=sleeps) == Outcome("delivered", 201, 2)
    assert len(sleeps.waits) == 1 and 1 <= sleeps.waits[0] <= 1.5


def test_server_errors_back_off_longer_each_time_then_give_up(
    fake: FakePushService, vapid: VapidKeys
) -> None:
    target = new_target(fake, vapid, script=[503, 502, 500, 201])
    sleeps = Sleeps()
    assert send_one(fake, vapid, target, sleep=sleeps) == Outcome("failed", 500, 3)
    assert len(sleeps.waits) == 2
    assert 1 <= sleeps.waits[0] <= 1.5 and 2 <= sleeps.waits[1] <= 3
    assert fake.subscription(target.endpoint).messages == []


def test_a_server_error_that_passes_is_delivered(fake: FakePushService, vapid: VapidKeys) -> None:
    target = new_target(fake, vapid, script=[503, 503, 201])
    sleeps = Sleeps()
    assert send_one(fake, vapid, target, sleep=sleeps) == Outcome("delivered", 201, 3)
    assert len(sleeps.waits) == 2 and sleeps.waits[0] < sleeps.waits[1]
    assert len(fake.subscription(target.endpoint).messages) == 1


def test_max_tries_is_the_total_number_of_requests(fake: FakePushService, vapid: VapidKeys) -> None:
    target = new_target(fake, vapid, script=[503] * 5)
    sleeps = Sleeps()
    assert send_one(fake, vapid, target, sleep=sleeps, max_tries=5) == Outcome("failed", 503, 5)
    assert len(sleeps.waits) == 4
    assert sleeps.waits == sorted(sleeps.waits)
    assert sleeps.waits[-1] >= 8


@pytest.mark.parametrize("status", [400, 401, 403, 413])
def test_client_errors_fail_without_retrying(
    fake: FakePushService, vapid: VapidKeys, status: int
) -> None:
    target = new_target(fake, vapid, script=[status, 201])
    sleeps = Sleeps()
    assert send_one(fake, vapid, target, sleep=sleeps) == Outcome("failed", status, 1)
    assert sleeps.waits == []
    assert len(fake.subscription(target.endpoint).attempts) == 1


def test_redirects_are_not_followed(fake: FakePushService, vapid: VapidKeys) -> None:
    elsewhere = new_target(fake, vapid)
    target = new_target(fake, vapid, script=[(301, {"Location": elsewhere.endpoint})])
    assert send_one(fake, vapid, target, sleep=Sleeps()) == Outcome("failed", 301, 1)
    assert len(fake.subscription(target.endpoint).attempts) == 1
    assert fake.subscription(elsewhere.endpoint).attempts == []


def test_a_host_that_cannot_be_reached_is_retried_then_failed(
    fake: FakePushService, vapid: VapidKeys
) -> None:
    # The fake's DNS knows only the push hosts: this one fails to connect, as a down host would.
    target = PushTarget("https://unreachable.example.org/push/abc", P256DH, AUTH)
    sleeps = Sleeps()
    assert send_one(fake, vapid, target, sleep=sleeps) == Outcome("failed", None, 3)
    assert len(sleeps.waits) == 2 and sleeps.waits[0] < sleeps.waits[1]


def test_a_request_that_times_out_is_tried_again(fake: FakePushService, vapid: VapidKeys) -> None:
    target = new_target(fake, vapid, script=[(201, {}, 1.0), 201])
    sleeps = Sleeps()
    outcome = send_one(fake, vapid, target, sleep=sleeps, timeout=0.3)
    assert outcome == Outcome("delivered", 201, 2)
    assert len(sleeps.waits) == 1


def test_the_largest_payload_fits_and_one_byte_more_does_not(
    fake: FakePushService, vapid: VapidKeys, caplog: pytest.LogCaptureFixture
) -> None:
    target = new_target(fake, vapid)
    empty = len(json.dumps({"body": ""}, separators=(",", ":")))
    largest = {"body": "x" * (PAYLOAD_SIZE - empty)}
    assert send_one(fake, vapid, target, payload=largest).kind == "delivered"
    assert fake.subscription(target.endpoint).messages[0].data == largest
    too_large = {"body": "x" * (PAYLOAD_SIZE - empty + 1)}
    assert send_one(fake, vapid, target, payload=too_large) == Outcome("failed", None, 0)
    assert len(fake.subscription(target.endpoint).attempts) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        f"push to fcm.googleapis.com not sent: push payload of {PAYLOAD_SIZE + 1} bytes; "
        f"at most {PAYLOAD_SIZE} fit"
    ]


def test_every_message_travels_at_one_size(fake: FakePushService, vapid: VapidKeys) -> None:
    """Padded before encryption: a short and a long message look the same on the wire, and
    the browser reads each back as it was sent."""
    target = new_target(fake, vapid)
    short, long = {"body": "Hi"}, {"body": "Een moment voor jezelf, " * 20}
    for payload in (short, long):
        assert send_one(fake, vapid, target, payload=payload).kind == "delivered"
    received = fake.subscription(target.endpoint).messages
    assert [message.data for message in received] == [short, long]
    assert {message.plaintext_size for message in received} == {PAYLOAD_SIZE}
    assert received[0].body_size == received[1].body_size


@pytest.mark.parametrize("topic", ["", "r 7", "r/7", "r7=", "r" * 33, "héllo", "r7\n"])
def test_a_topic_that_push_services_refuse_is_not_sent(
    fake: FakePushService, vapid: VapidKeys, topic: str, caplog: pytest.LogCaptureFixture
) -> None:
    target = new_target(fake, vapid)
    assert send_one(fake, vapid, target, topic=topic) == Outcome("failed", None, 0)
    assert fake.subscription(target.endpoint).attempts == []
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "topic" in errors[0]


def test_sending_needs_a_started_sender(vapid: VapidKeys) -> None:
    with pytest.raises(RuntimeError, match="start"):
        PushSender(vapid, SUBJECT, 60).batch()


def test_logs_name_the_host_and_status_but_nothing_personal(
    fake: FakePushService, vapid: VapidKeys, caplog: pytest.LogCaptureFixture
) -> None:
    delivered = new_target(fake, vapid)
    gone = new_target(fake, vapid, "web.push.apple.com", script=[410])
    failed = new_target(fake, vapid, script=[400])
    caplog.set_level(logging.DEBUG, logger="houvast.push")

    async def use(sender: PushSender) -> list[Outcome]:
        items = [(target, MESSAGE, "r7") for target in (delivered, gone, failed)]
        return await send_all(sender, items)

    run_sender(fake, vapid, use, sleep=Sleeps())
    lines = [record.getMessage() for record in caplog.records if record.name == "houvast.push"]
    assert "push to fcm.googleapis.com: delivered (201, 1 attempts)" in lines
    assert "push to web.push.apple.com: subscription gone (410, 1 attempts)" in lines
    assert "push to fcm.googleapis.com: failed (400, 1 attempts)" in lines
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "push to fcm.googleapis.com: failed (400, 1 attempts)"
    ]
    text = "\n".join(lines)
    for target in (delivered, gone, failed):
        assert target.endpoint.rsplit("/", 1)[1] not in text
        assert target.p256dh not in text and target.auth not in text
    assert MESSAGE["body"] not in text


def test_a_batch_returns_outcomes_in_order(fake: FakePushService, vapid: VapidKeys) -> None:
    scripts: list[list[Any]] = [[], [410], [400], [(429, {"Retry-After": "1"}), 201], [503, 201]]
    hosts = ["fcm.googleapis.com", "web.push.apple.com", "updates.push.services.mozilla.com"]
    targets = [
        new_target(fake, vapid, hosts[i % 3], script=scripts[i % len(scripts)]) for i in range(60)
    ]
    items = [
        (target, {**MESSAGE, "tag": f"houvast-reminder-{i}"}, f"r{i}")
        for i, target in enumerate(targets)
    ]
    sleeps = Sleeps()

    async def use(sender: PushSender) -> list[Outcome]:
        return await send_all(sender, iter(items), concurrency=8)

    outcomes = run_sender(fake, vapid, use, sleep=sleeps)
    expected = [
        Outcome("delivered", 201, 1),
        Outcome("gone", 410, 1),
        Outcome("failed", 400, 1),
        Outcome("delivered", 201, 2),
        Outcome("delivered", 201, 2),
    ]
    assert outcomes == [expected[i % len(scripts)] for i in range(60)]
    for i, target in enumerate(targets):
        messages = [m.data for m in fake.subscription(target.endpoint).messages]
        assert messages == ([items[i][1]] if outcomes[i].kind == "delivered" else [])
    assert len(sleeps.waits) == 24


def test_a_batch_holds_no_place_while_waiting_to_retry(
    fake: FakePushService, vapid: VapidKeys
) -> None:
    # One message waits (a long time) to be retried; with one place, the rest still go out.
    slow = new_target(fake, vapid, script=[(429, {"Retry-After": "5"}), 201])
    others = [new_target(fake, vapid) for _ in range(5)]

    async def sleep(seconds: float) -> None:
        # Held the place while waiting, the others could never be sent: this would time out.
        for _ in range(500):
            if all(fake.subscription(t.endpoint).messages for t in others):
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the other messages waited for the retry")

    async def use(sender: PushSender) -> list[Outcome]:
        items = [(slow, MESSAGE, "r1")] + [(t, MESSAGE, "r2") for t in others]
        return await send_all(sender, items, concurrency=1)

    outcomes = run_sender(fake, vapid, use, sleep=sleep)
    assert [o.kind for o in outcomes] == ["delivered"] * 6
    assert outcomes[0].attempts == 2


def test_a_batch_fails_a_bad_item_alone(fake: FakePushService, vapid: VapidKeys) -> None:
    targets = [new_target(fake, vapid) for _ in range(3)]
    items = [
        (targets[0], MESSAGE, "r1"),
        (targets[1], MESSAGE, "not a topic"),
        (targets[2], {"body": "x" * 5000}, "r3"),
    ]

    async def use(sender: PushSender) -> list[Outcome]:
        return await send_all(sender, items)

    outcomes = run_sender(fake, vapid, use)
    assert outcomes == [
        Outcome("delivered", 201, 1),
        Outcome("failed", None, 0),
        Outcome("failed", None, 0),
    ]


def test_a_batch_with_an_encryption_worker(fake: FakePushService, vapid: VapidKeys) -> None:
    targets = [new_target(fake, vapid) for _ in range(300)]
    items = [(target, {**MESSAGE, "tag": f"t{i}"}, f"r{i}") for i, target in enumerate(targets)]

    async def use(sender: PushSender) -> list[Outcome]:
        return await send_all(sender, items)

    outcomes = run_sender(fake, vapid, use, encrypt_workers=1)
    assert outcomes == [Outcome("delivered", 201, 1)] * 300
    for (target, payload, _), _outcome in zip(items, outcomes, strict=True):
        assert [m.data for m in fake.subscription(target.endpoint).messages] == [payload]


def test_a_batch_sends_while_messages_are_still_being_added(
    fake: FakePushService, vapid: VapidKeys
) -> None:
    """A batch is a stream: the first messages arrive before the caller has finished adding
    (the dispatcher keeps adding batch after batch from the database)."""
    targets = [new_target(fake, vapid) for _ in range(400)]

    async def use(sender: PushSender) -> list[Outcome]:
        batch = sender.batch(concurrency=16)
        outcomes = [await batch.add(target, MESSAGE, "r1") for target in targets[:300]]
        # Not finished, yet the earliest messages settle and reach their phones.
        first = await asyncio.wait_for(outcomes[0], timeout=10)
        assert first == Outcome("delivered", 201, 1)
        assert fake.subscription(targets[0].endpoint).messages
        outcomes += [await batch.add(target, MESSAGE, "r1") for target in targets[300:]]
        await batch.finish()
        return [outcome.result() for outcome in outcomes]

    assert run_sender(fake, vapid, use, encrypt_workers=1) == [Outcome("delivered", 201, 1)] * 400
    assert all(len(fake.subscription(t.endpoint).messages) == 1 for t in targets)


def test_a_cancelled_batch_sends_nothing_more(fake: FakePushService, vapid: VapidKeys) -> None:
    """Cancelling leaves no future hanging: queued, encrypting and in-flight messages alike."""
    slow = [new_target(fake, vapid, script=[(201, {}, 0.3)]) for _ in range(300)]

    async def use(sender: PushSender) -> list[asyncio.Future[Outcome]]:
        batch = sender.batch(concurrency=4)
        outcomes = [await batch.add(target, MESSAGE, "r1") for target in slow]
        await asyncio.sleep(0.1)  # the first requests are under way
        await batch.cancel()
        await batch.finish()  # nothing left to send
        with pytest.raises(RuntimeError):
            await batch.add(slow[0], MESSAGE, "r1")
        return outcomes

    outcomes = run_sender(fake, vapid, use, encrypt_workers=1)
    assert all(outcome.done() for outcome in outcomes)
    assert sum(outcome.cancelled() for outcome in outcomes) >= 290
    time.sleep(0.5)  # whatever was stopped would have arrived by now
    assert sum(len(fake.subscription(t.endpoint).messages) for t in slow) <= 10


@pytest.mark.parametrize(("answer_after", "grace"), [(0.3, 5.0), (3.0, 0.2)])
def test_a_cancelled_batch_waits_a_grace_for_the_requests_under_way(
    fake: FakePushService, vapid: VapidKeys, answer_after: float, grace: float
) -> None:
    """A stop lets the requests under way be answered within ``grace`` (then they are
    delivered, as recorded); one still unanswered is ``interrupted``: it may have arrived."""
    # A chunk goes to the encryption worker when it is full: one and two more.
    slow = [new_target(fake, vapid, script=[(201, {}, answer_after)]) for _ in range(CHUNK + 2)]

    async def use(sender: PushSender) -> list[asyncio.Future[Outcome]]:
        batch = sender.batch(concurrency=4)
        outcomes = [await batch.add(target, MESSAGE, "r1") for target in slow]
        async with asyncio.timeout(10):
            while len(batch.running) < 4:  # the first four under way
                await asyncio.sleep(0.01)
        await batch.cancel(grace=grace)
        return outcomes

    outcomes = run_sender(fake, vapid, use, encrypt_workers=1)
    settled = [outcome.result() for outcome in outcomes if not outcome.cancelled()]
    expected = Outcome("delivered", 201, 1) if answer_after < grace else INTERRUPTED
    assert settled == [expected] * 4
    assert sum(outcome.cancelled() for outcome in outcomes) == CHUNK - 2, "the rest never left"
    deadline = time.monotonic() + 10
    while fake.in_flight and time.monotonic() < deadline:  # the fake still holds some
        time.sleep(0.05)


def test_a_batch_cancelled_at_once_leaves_no_future_hanging(
    fake: FakePushService, vapid: VapidKeys
) -> None:
    targets = [new_target(fake, vapid) for _ in range(CHUNK + 2)]  # a full chunk and two

    async def use(sender: PushSender) -> list[asyncio.Future[Outcome]]:
        batch = sender.batch(concurrency=8)
        outcomes = [await batch.add(target, MESSAGE, "r1") for target in targets]
        await asyncio.sleep(0)  # the first tasks exist but have not started
        await batch.cancel()
        return outcomes

    outcomes = run_sender(fake, vapid, use)
    assert all(outcome.done() for outcome in outcomes)


def test_chunks_waiting_when_the_encryption_pool_stops_are_still_sent(
    fake: FakePushService, vapid: VapidKeys
) -> None:
    """The pool shuts down (as when it gives up on a dead worker) with chunks queued for it:
    those chunks are encrypted in the server process instead, and nothing hangs."""
    targets = [new_target(fake, vapid) for _ in range(CHUNK * 6)]

    async def use(sender: PushSender) -> list[Outcome]:
        batch = sender.batch(concurrency=8)
        outcomes = [await batch.add(target, MESSAGE, "r1") for target in targets[: CHUNK * 3]]
        pool = sender.encryptor._pool
        assert isinstance(pool, ProcessPoolExecutor)
        pool.shutdown(wait=False, cancel_futures=True)
        outcomes += [await batch.add(target, MESSAGE, "r1") for target in targets[CHUNK * 3 :]]
        await asyncio.wait_for(batch.finish(), timeout=30)
        return [outcome.result() for outcome in outcomes]

    outcomes = run_sender(fake, vapid, use, encrypt_workers=1)
    assert outcomes == [Outcome("delivered", 201, 1)] * len(targets)


# -- Retry-After ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("0", 0.0),
        ("Sun, 06 Nov 2033 08:49:37 GMT", 60.0),
        ("Sun, 06 Nov 2033 08:47:37 GMT", 0.0),  # in the past: at once
        (None, None),
        ("", None),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("Sun, 06 Nov 2033 08:49:37", None),  # no zone: cannot tell when
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date(value: str | None, seconds: float | None) -> None:
    now = email.utils.parsedate_to_datetime("Sun, 06 Nov 2033 08:48:37 GMT").timestamp()
    assert parse_retry_after(value, now=now) == seconds


def test_a_batch_keeps_to_its_concurrency(fake: FakePushService, vapid: VapidKeys) -> None:
    targets = [new_target(fake, vapid, script=[(201, {}, 0.05)]) for _ in range(40)]
    fake.max_in_flight = 0

    async def use(sender: PushSender) -> list[Outcome]:
        return await send_all(sender, [(t, MESSAGE, "r1") for t in targets], concurrency=4)

    assert run_sender(fake, vapid, use) == [Outcome("delivered", 201, 1)] * 40
    assert 2 <= fake.max_in_flight <= 4


def test_a_dead_encryption_worker_loses_no_message(
    fake: FakePushService, vapid: VapidKeys, caplog: pytest.LogCaptureFixture
) -> None:
    targets = [new_target(fake, vapid) for _ in range(400)]
    items = [(target, {**MESSAGE, "tag": f"t{i}"}, f"r{i}") for i, target in enumerate(targets)]

    async def use(sender: PushSender) -> list[Outcome]:
        first = await send_all(sender, items[:200])
        pool = sender.encryptor._pool
        assert isinstance(pool, ProcessPoolExecutor)
        for process in list(pool._processes.values()):  # as the OOM killer would
            process.kill()
        return first + await send_all(sender, items[200:])

    outcomes = run_sender(fake, vapid, use, encrypt_workers=1)
    assert outcomes == [Outcome("delivered", 201, 1)] * 400
    for target, payload, _ in items:
        assert [m.data for m in fake.subscription(target.endpoint).messages] == [payload]
    assert any("encryption workers failed" in r.getMessage() for r in caplog.records)


class Rebound(AbstractResolver):
    """DNS that answers a push host with whatever address it is given (a rebinding attack)."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in self.addresses
        ]

    async def close(self) -> None:
        pass


INSIDE = [
    "127.0.0.1",
    "127.8.8.8",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # a cloud's metadata service
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "fe80::1",
    "fc00::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
]


@pytest.mark.parametrize("address", INSIDE)
def test_a_push_host_that_resolves_inside_is_not_connected_to(address: str) -> None:
    async def resolve() -> list[ResolveResult]:
        return await PublicOnlyResolver(Rebound(address)).resolve("fcm.googleapis.com", 443)

    with pytest.raises(OSError, match="no public address"):
        run_async(resolve())


def test_only_the_public_answers_of_a_push_host_are_used() -> None:
    async def resolve() -> list[str]:
        answers = await PublicOnlyResolver(Rebound("10.0.0.1", "142.250.1.95")).resolve("x", 443)
        return [answer["host"] for answer in answers]

    assert run_async(resolve()) == ["142.250.1.95"]


def test_the_sender_refuses_a_rebound_push_host(fake: FakePushService, vapid: VapidKeys) -> None:
    """The fake push service listens on 127.0.0.1: without leave to connect there, as in
    production, a valid endpoint whose name resolves to loopback is never posted to."""
    target = new_target(fake, vapid)

    async def send() -> list[Outcome]:
        async with PushSender(
            vapid, SUBJECT, 3600, resolver=fake.resolver(), ssl=fake.client_ssl, max_tries=1
        ) as sender:
            return await send_all(sender, [(target, MESSAGE, "r7")])

    assert run_async(send()) == [Outcome("failed", None, 1)]
    assert fake.subscription(target.endpoint).attempts == []
