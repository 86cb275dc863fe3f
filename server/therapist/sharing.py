"""Handing a set over: a share is a link (a token of 256 bits) and a short code for the same
set, until the therapist revokes it; an app that opens it by the code gets a token of its
own. Only hashes of tokens and codes are stored, so the link can be shown once, when it is
made. The code stops working after CODE_DAYS; the link when it is revoked or the set
deleted."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..shared_secrets import shared_secret
from .audit import Actor, record
from .sets import StoredSet, stored_set
from .tables import progress_links, sets, share_tokens, shares
from .tokens import code_hash, new_code, new_code_key, new_id, new_token, token_hash

CODE_DAYS = 14
# The name of the key codes are kept under, in shared_secrets.
CODE_KEY = "share_code_key"


@dataclass(frozen=True)
class Share:
    id: int
    public_id: str
    created_at: int
    code_expires_at: int
    revoked_at: int | None
    # Whether the client chose to share progress under this link.
    progress: bool


@dataclass(frozen=True)
class NewShare:
    """A share as it is made: the only moment its token and code are known."""

    public_id: str
    token: str
    code: str
    code_expires_at: int


@dataclass(frozen=True)
class Opened:
    """What a token or code opens: the share and its set."""

    share_id: int
    revoked: bool
    set: StoredSet


class Shares:
    def __init__(self, engine: Engine, clock: Callable[[], float]) -> None:
        self.engine = engine
        self.clock = clock

    @functools.cached_property
    def _code_key(self) -> str:
        # Read (or made) at the first code, in the worker thread that needs it.
        return shared_secret(self.engine, CODE_KEY, new_code_key)

    def create(self, actor: Actor, found: StoredSet) -> NewShare:
        """A new link and code for a set the actor owns (the caller found it as theirs)."""
        now = int(self.clock())
        key = self._code_key  # read before the transaction, which holds SQLite's write lock
        for _ in range(5):
            token, code, public_id = new_token(), new_code(), new_id()
            expires = now + CODE_DAYS * 24 * 3600
            try:
                with self.engine.begin() as connection:
                    made = connection.execute(
                        insert(shares).values(
                            public_id=public_id,
                            set_id=found.id,
                            code_hash=code_hash(key, code),
                            code_expires_at=expires,
                            created_at=now,
                        )
                    ).inserted_primary_key
                    assert made is not None
                    self._add_token(connection, int(made[0]), token)
                    record(
                        connection,
                        actor,
                        "share.made",
                        now,
                        set_id=found.public_id,
                        share_id=public_id,
                    )
            except IntegrityError:  # a code made before, by a chance of 1 in 10^12: another
                continue
            return NewShare(public_id, token, code, expires)
        raise RuntimeError("could not make a unique code")

    def _add_token(self, connection: Any, share_id: int, token: str) -> None:
        connection.execute(
            insert(share_tokens).values(
                token_hash=token_hash(token), share_id=share_id, created_at=int(self.clock())
            )
        )

    def new_token(self, share_id: int) -> str:
        """Another token for a share (an app that opened it by its code keeps this one)."""
        token = new_token()
        with self.engine.begin() as connection:
            self._add_token(connection, share_id, token)
        return token

    def for_set(self, set_id: int) -> list[Share]:
        progress = exists().where(progress_links.c.share_id == shares.c.id)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(shares, progress.label("progress"))
                .where(shares.c.set_id == set_id)
                .order_by(shares.c.created_at.desc(), shares.c.id.desc())
            ).all()
        return [
            Share(
                row.id,
                row.public_id,
                row.created_at,
                row.code_expires_at,
                row.revoked_at,
                bool(row.progress),
            )
            for row in rows
        ]

    def revoke(self, actor: Actor, set_public_id: str, share_public_id: str) -> bool:
        """Stop a link and its code; False unless the actor owns the set and the share is of
        it and still works."""
        owned = select(sets.c.id).where(
            sets.c.therapist_id == actor.account_id, sets.c.public_id == set_public_id
        )
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(shares)
                .where(
                    shares.c.public_id == share_public_id,
                    shares.c.set_id.in_(owned.scalar_subquery()),
                    shares.c.revoked_at.is_(None),
                )
                .values(revoked_at=int(self.clock()))
            ).rowcount
            if changed == 1:
                record(
                    connection,
                    actor,
                    "share.revoked",
                    self.clock(),
                    set_id=set_public_id,
                    share_id=share_public_id,
                )
        return changed == 1

    def by_token(self, token: str) -> Opened | None:
        tokens = select(share_tokens.c.share_id).where(
            share_tokens.c.token_hash == token_hash(token)
        )
        return self._open(shares.c.id.in_(tokens.scalar_subquery()))

    def by_code(self, code: str) -> Opened | None:
        return self._open(
            shares.c.code_hash == code_hash(self._code_key, code),
            shares.c.code_expires_at > int(self.clock()),
        )

    def _open(self, *where: Any) -> Opened | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(
                    sets,
                    shares.c.id.label("share_id"),
                    shares.c.revoked_at.label("revoked_at"),
                )
                .join(shares, shares.c.set_id == sets.c.id)
                .where(*where)
            ).first()
        if row is None:
            return None
        return Opened(row.share_id, row.revoked_at is not None, stored_set(row))
