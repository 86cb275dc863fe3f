"""Checking a browser's push subscription before the server keeps it.

The endpoint is an address a client hands us and the server will later POST to, so it is judged
strictly, on the parsed URL: https on port 443, a DNS name on the push-service allow-list,
nothing that could make the server talk to itself, a private network or a look-alike host.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import string
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from .vapid import b64url

MAX_ENDPOINT = 1000
# What RFC 3986 allows in a URL, minus "#" (no fragments), "[" and "]" (no IPv6 literals) and
# "\\" (which browsers read as "/"): anything else (spaces, controls, quotes, non-ASCII) is out.
_URL_CHARS = frozenset(string.ascii_letters + string.digits + "-._~:/?@!$&'()*+,;=%")
_LABEL_CHARS = frozenset(string.ascii_lowercase + string.digits + "-")
_B64URL_CHARS = frozenset(string.ascii_letters + string.digits + "-_")
_P256 = ec.SECP256R1()


@dataclass(frozen=True, slots=True)
class PushTarget:
    """Where and for whom a push message goes: a checked subscription."""

    endpoint: str
    p256dh: str  # base64url, no padding: the browser's P-256 public key (65 bytes)
    auth: str  # base64url, no padding: the 16-byte authentication secret


class InvalidSubscription(ValueError):
    """A push subscription the server will not keep.

    ``code`` is short and stable, for API errors and tests: ``subscription`` (not an object),
    ``endpoint`` (missing, or not an acceptable https URL), ``endpoint_host`` (not a known push
    service), ``keys`` (missing, or p256dh or auth unusable). ``detail`` says more, in English,
    for logs; neither ever repeats the endpoint or a key.
    """

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def validate_subscription(data: object, allowed_hosts: tuple[str, ...]) -> PushTarget:
    """Check a ``PushSubscription.toJSON()`` object; return it as a ``PushTarget``.

    ``allowed_hosts`` holds host names (``fcm.googleapis.com``) and suffix patterns
    (``*.push.apple.com``: any subdomain, not the name itself). Host names compare without
    regard to case, as DNS does. Raises ``InvalidSubscription`` for anything else.
    """
    if not isinstance(data, dict):
        raise InvalidSubscription("subscription", "expected an object")
    endpoint = data.get("endpoint")
    keys = data.get("keys")
    if not isinstance(endpoint, str):
        raise InvalidSubscription("endpoint", "endpoint must be a string")
    if not isinstance(keys, dict):
        raise InvalidSubscription("keys", "keys must be an object")
    endpoint = check_endpoint(endpoint, allowed_hosts)
    p256dh = _decode_key(keys.get("p256dh"), 65, "p256dh")
    auth = _decode_key(keys.get("auth"), 16, "auth")
    try:
        # Length and prefix are not enough: the point must be on the curve, or encryption fails
        # later (and some invalid points are known attacks on ECDH).
        ec.EllipticCurvePublicKey.from_encoded_point(_P256, p256dh)
    except ValueError:
        raise InvalidSubscription("keys", "p256dh is not a P-256 public key") from None
    return PushTarget(endpoint=endpoint, p256dh=b64url(p256dh), auth=b64url(auth))


def check_endpoint(endpoint: str, allowed_hosts: tuple[str, ...]) -> str:
    """The endpoint in its one written form (host in lower case, no ``:443``), so the same
    subscription is always the same device; ``InvalidSubscription`` unless it is an https URL
    on an allowed host."""
    if not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise InvalidSubscription("endpoint", "empty or too long")
    if not _URL_CHARS.issuperset(endpoint):
        raise InvalidSubscription("endpoint", "characters a URL cannot hold")
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not endpoint.startswith("https://"):
        raise InvalidSubscription("endpoint", "not https")
    netloc = parts.netloc
    if not netloc:
        raise InvalidSubscription("endpoint", "no host")
    if "@" in netloc:
        raise InvalidSubscription("endpoint", "user info in the URL")
    host, colon, port = netloc.partition(":")
    if colon and port != "443":
        raise InvalidSubscription("endpoint", "a port other than 443")
    host = host.lower()
    if not _is_dns_name(host):
        raise InvalidSubscription("endpoint_host", "not a DNS host name")
    if not host_allowed(host, allowed_hosts):
        raise InvalidSubscription("endpoint_host", "not a known push service")
    if not parts.path.startswith("/") or (parts.path == "/" and not parts.query):
        raise InvalidSubscription("endpoint", "no path naming a subscription")
    # The path and query name the subscription, case and all; only the host's spelling varies.
    return f"https://{host}{endpoint[len('https://') + len(netloc) :]}"


def host_of(endpoint: str) -> str:
    """The host of an endpoint: all a log line may say about where a message went."""
    return urlsplit(endpoint).hostname or "?"


def host_allowed(host: str, allowed_hosts: tuple[str, ...]) -> bool:
    """Whether a (lower-case) host name is on the allow-list; ``*.x`` matches subdomains of x."""
    for pattern in allowed_hosts:
        pattern = pattern.lower()
        if pattern.startswith("*."):
            # ".push.apple.com": a label boundary, so "evilpush.apple.com" does not match.
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def _is_dns_name(host: str) -> bool:
    # Letters, digits and inner hyphens in 1-63 character labels; no empty label (so no
    # trailing dot), no punycode (look-alikes of real names), and a top-level label that is not
    # all digits, which rules out every way of writing an IPv4 address (2130706433, 0x7f.1,
    # 0177.0.0.1, 127.1). IPv6 literals never get here: "[" is not a URL character above.
    if not 0 < len(host) <= 253 or host == "localhost" or host.endswith(".localhost"):
        return False
    labels = host.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return False
    for label in labels:
        if not 0 < len(label) <= 63 or not _LABEL_CHARS.issuperset(label):
            return False
        if label.startswith("-") or label.endswith("-") or label.startswith("xn--"):
            return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False


def _decode_key(value: object, size: int, name: str) -> bytes:
    if not isinstance(value, str) or len(value) > 2 * size:
        raise InvalidSubscription("keys", f"{name} must be a base64url string")
    bare = value.rstrip("=")
    padding = len(value) - len(bare)
    if not _B64URL_CHARS.issuperset(bare) or padding > 2 or len(bare) % 4 == 1:
        raise InvalidSubscription("keys", f"{name} is not base64url")
    if padding and (len(bare) + padding) % 4:
        raise InvalidSubscription("keys", f"{name} has wrong padding")
    try:
        raw = base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))
    except (binascii.Error, ValueError):
        raise InvalidSubscription("keys", f"{name} is not base64url") from None
    if len(raw) != size:
        raise InvalidSubscription("keys", f"{name} must be {size} bytes")
    if size == 65 and raw[0] != 0x04:
        raise InvalidSubscription("keys", f"{name} is not an uncompressed point")
    return raw
