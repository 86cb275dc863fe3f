"""Passwords: Argon2id hashes (argon2-cffi) and what a new password must be.

The hasher's parameters are argon2-cffi's defaults, RFC 9106's second recommendation
(Argon2id, 64 MiB, 3 passes, 4 lanes); a hash made with weaker ones is renewed at the next
sign-in.
"""

from __future__ import annotations

import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..i18n import N_

HASHER = PasswordHasher()
MIN_LENGTH = 12
MAX_LENGTH = 1024


@functools.cache
def _dummy_hash() -> str:
    """Compared against when an address has no account, so a wrong address takes as long as a
    wrong password and the answer's timing says nothing. Made at first use, not on import: a
    hash takes half a second, and most processes (the CLI, the dispatcher) never need it."""
    return HASHER.hash("not a password anyone has")


# Long passwords that people still choose; a few hundred would not make a meaningful
# difference over these for a 12-character minimum.
COMMON = frozenset(
    [
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456789123",
        "111111111111",
        "000000000000",
        "password1234",
        "password12345",
        "passwordpassword",
        "password123!",
        "qwertyuiop12",
        "qwertyuiopasdf",
        "qwerty123456",
        "1qaz2wsx3edc",
        "1q2w3e4r5t6y",
        "abcdefghijkl",
        "abc123abc123",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "welkom123456",
        "wachtwoord12",
        "wachtwoord123",
        "wachtwoord1234",
        "wachtwoordwachtwoord",
        "geheim123456",
        "therapeut123",
        "therapist123",
        "therapist1234",
        "houvast12345",
        "houvasthouvast",
        "admin1234567",
        "administrator",
        "changeme1234",
        "trustno1trustno1",
        "football1234",
        "monkey123456",
        "dragon123456",
        "sunshine1234",
        "princess1234",
        "baseball1234",
        "superman1234",
        "zaq12wsxcde3",
        "asdfghjkl123",
        "zxcvbnm12345",
        "passw0rd1234",
        "p@ssw0rd1234",
        "p@ssword1234",
    ]
)

# What people add to a common password to get past a list: digits and signs at the end
# ("wachtwoord12345", "Password2024!"). Cut off, with case ignored, what is left is compared.
_TAIL = re.compile(r"[\W\d_]+$")
# A password of digits and signs alone has no word to compare: its first eight characters are
# ("12345678" with anything after it).
_LEAD = 8


def _stem(password: str) -> str:
    """A password as compared with the common ones: lower case, without the digits and signs
    after its last letter; one without any letter, by its first few characters."""
    lowered = password.lower()
    return _TAIL.sub("", lowered) or lowered[:_LEAD]


# The common passwords as compared: "wachtwoord1234" is "wachtwoord", so "Wachtwoord2024!" is
# refused as well. A strong password is not one of these words with digits after it.
COMMON_STEMS = frozenset(_stem(password) for password in COMMON)

WEAK_MESSAGES = {
    "short": N_("Choose a password of at least %(min)s characters."),
    "long": N_("Choose a password of at most %(max)s characters."),
    "common": N_(
        "This password is too common, even with other digits or symbols at the end. Choose one "
        "that is hard to guess."
    ),
    "email": N_("Choose a password that is not your email address."),
    "mismatch": N_("The two passwords are not the same."),
}


def password_problem(password: str, repeated: str, email: str) -> str | None:
    """What is wrong with a new password (a key of WEAK_MESSAGES), or None."""
    if len(password) < MIN_LENGTH:
        return "short"
    if len(password) > MAX_LENGTH:
        return "long"
    if _stem(password) in COMMON_STEMS or len(set(password)) < 4:
        return "common"
    if email and email.lower() in password.lower():
        return "email"
    if password != repeated:
        return "mismatch"
    return None


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; with no stored hash, as slow as a real check."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return HASHER.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return HASHER.check_needs_rehash(stored)
