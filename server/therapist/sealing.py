"""Secrets the server must be able to show again (a share's link and code), kept encrypted.

Lookups never need them (they go by hash, server/therapist/tokens.py); only the therapist's
"show the link again" does. Fernet (AES-128-CBC with HMAC-SHA256, from the cryptography
package pywebpush already brings) under a key every instance shares (server/shared_secrets.py):
a copy of the shares table alone gives no link away.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import Fernet
from sqlalchemy import Engine

from ..shared_secrets import shared_secret

# The name of the key in shared_secrets.
SEAL_KEY = "share_seal_key"


def _new_key() -> str:
    return Fernet.generate_key().decode("ascii")


@dataclass(frozen=True)
class Sealer:
    fernet: Fernet

    @classmethod
    def of(cls, engine: Engine) -> Sealer:
        """The instance's sealer: its key read from the database, or made there first."""
        return cls(Fernet(shared_secret(engine, SEAL_KEY, _new_key).encode("ascii")))

    def seal(self, secret: str) -> str:
        return self.fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        return self.fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
