"""Forms kept across a sign-in: a set's form that came in after its session ran out (idle or
too old) is kept, for the account whose session it was, until that therapist signs in again.

The browser holds a random key in a cookie (never the form, never in a URL); the database its
hash, the account and the form. A draft is handed out only to the same account, once, within
DRAFT_SECONDS; older ones are deleted when another is kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select

from .tables import drafts
from .tokens import new_token, token_hash

COOKIE = "houvast_draft"
# Long enough for a lunch break or a client's session in between, short enough that a
# forgotten form does not linger.
DRAFT_SECONDS = 4 * 3600


@dataclass(frozen=True)
class Draft:
    # The set the form changes; None for a new set.
    set_id: str | None
    fields: tuple[tuple[str, str], ...]


class Drafts:
    def __init__(self, engine: Engine, clock: Callable[[], float]) -> None:
        self.engine = engine
        self.clock = clock

    def keep(self, account_id: int, set_id: str | None, fields: Sequence[tuple[str, str]]) -> str:
        """Keep a form for an account; returns the cookie's value (never stored)."""
        key = new_token()
        now = int(self.clock())
        with self.engine.begin() as connection:
            connection.execute(delete(drafts).where(drafts.c.created_at < now - DRAFT_SECONDS))
            connection.execute(
                insert(drafts).values(
                    id_hash=token_hash(key),
                    therapist_id=account_id,
                    set_id=set_id,
                    form=json.dumps([list(pair) for pair in fields]),
                    created_at=now,
                )
            )
        return key

    def take(self, key: str | None, account_id: int) -> Draft | None:
        """The draft under ``key`` if it is this account's and fresh, deleted as it is taken;
        another account's draft is neither shown nor touched."""
        if not key:
            return None
        id_hash = token_hash(key)
        with self.engine.begin() as connection:
            row = connection.execute(
                select(drafts).where(
                    drafts.c.id_hash == id_hash, drafts.c.therapist_id == account_id
                )
            ).first()
            if row is None:
                return None
            connection.execute(delete(drafts).where(drafts.c.id_hash == id_hash))
        if row.created_at < int(self.clock()) - DRAFT_SECONDS:
            return None
        pairs = json.loads(row.form)
        return Draft(row.set_id, tuple((str(name), str(value)) for name, value in pairs))
