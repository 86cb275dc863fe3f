"""Secrets handed out once and kept only as hashes: session ids, password links, share tokens
and codes, progress secrets.

A secret is at least 128 random bits; the database keeps its SHA-256, so a copy of the database
opens nothing. A short code has only about 40 bits (it expires, and its lookups are
rate-limited): the database keeps its HMAC under a key of the instance's (``code_hash``), so a
copy of the database alone cannot be searched for the codes either. A
lookup by hash compares no secret byte by byte; where two secrets are compared directly,
``same`` does it in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# 32 bytes: 256 bits, 43 characters in base64url.
TOKEN_BYTES = 32
# A short code for typing: no 0/O, 1/I/L or other look-alikes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_token(nbytes: int = TOKEN_BYTES) -> str:
    """A random secret, URL-safe."""
    return secrets.token_urlsafe(nbytes)


def new_id() -> str:
    """A random public id (96 bits): says nothing about how many there are."""
    return secrets.token_urlsafe(12)


def token_hash(token: str) -> str:
    """What the database keeps of a secret."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_code_key() -> str:
    """A key for ``code_hash`` (256 bits, hex), kept in the database for every instance."""
    return secrets.token_hex(32)


def code_hash(key: str, code: str) -> str:
    """What the database keeps of a short code: its HMAC-SHA-256 under the instance's key."""
    return hmac.new(key.encode("utf-8"), code.encode("utf-8"), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Whether two secrets are equal, in time that does not depend on where they differ."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def new_code() -> str:
    """A short code of CODE_LENGTH characters from CODE_ALPHABET (about 40 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str | None:
    """A typed code as stored (upper case, without spaces or dashes), or None when it cannot
    be a code at all."""
    code = "".join(typed.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def spaced_code(code: str) -> str:
    """A code as shown to read aloud or type: two groups of four."""
    return f"{code[:4]} {code[4:]}"
